"""Entrypoints of Open311 submissions and partner keys (rules in
:mod:`requests_service.open311_keys`), a mixin of ``RequestsService``."""

from __future__ import annotations

from nameko.rpc import rpc

from chassis import identity
from chassis.throttle import Throttles, allow
from chassis.types import utcnow
from contracts import open311, requests
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, TooManyRequests
from requests_service import domain, open311_keys
from requests_service.models import Throttle
from requests_service.repository import Reports


class Open311Entrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def submit_open311_request(self, caller, payload):
        """A report from a partner system (contracts.open311.Open311Submission): its key is
        checked and counted before anything else is read."""
        identity.load(caller)
        token = payload.get("api_key") if isinstance(payload, dict) else None
        now = utcnow()
        with self.db.session() as session:
            key = open311_keys.find_valid(session, token)
            lock = Throttles(session, Throttle).lock
            if not allow(lock, open311_keys.throttle_key(key), open311_keys.PER_KEY, now):
                raise TooManyRequests(open311_keys.TOO_MANY, open311_keys.PER_KEY.retry_after)
            key.last_used_at = now
        data = load_or_invalid(open311.Open311Submission(), payload)
        fields = open311_keys.report_fields(data)
        with self.db.session() as session:
            report = domain.submit_report(Reports(session), {}, fields, [], utcnow())
            event = domain.submitted_event(report)
            self.outbox.add(session, requests.REPORT_SUBMITTED, requests.ReportSubmitted(), event)
            created = open311_keys.created_view(report)
        return open311.Open311Created().dump(created)

    @rpc(expected_exceptions=EXPECTED)
    def create_open311_key(self, caller, payload):
        """Issue a key to a partner (admin); the token is in this answer only."""
        admin = identity.require_role(caller, (open311.KEY_ROLE,))
        data = load_or_invalid(open311.CreateOpen311Key(), payload)
        with self.db.session() as session:
            key, token = open311_keys.issue(
                session, data["name"], admin.get("account_id"), utcnow()
            )
            view = {**open311_keys.key_view(key), "token": token}
        return open311.IssuedOpen311Key().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_open311_keys(self, caller):
        """Every key issued, revoked ones included, newest first (admin)."""
        identity.require_role(caller, (open311.KEY_ROLE,))
        with self.db.session() as session:
            views = [open311_keys.key_view(key) for key in open311_keys.listed(session)]
        return open311.Open311Key(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def revoke_open311_key(self, caller, key_id):
        """Revoke a key at once: the next request made with it is refused (admin)."""
        identity.require_role(caller, (open311.KEY_ROLE,))
        with self.db.session() as session:
            view = open311_keys.key_view(open311_keys.revoke(session, key_id, utcnow()))
        return open311.Open311Key().dump(view)
