"""Entrypoints of the ``family`` service: load, authorize, decide, store with its event, dump.

The RPC methods are those listed in :mod:`contracts.family`; the rules live in
:mod:`family.domain`, the activation limits in :mod:`family.limits`.
``accounts.account_closed`` is consumed once per ``event_id`` (``chassis.events.handle_event``).
"""

from __future__ import annotations

import logging

from nameko.rpc import rpc

from chassis import health, identity, retention
from chassis.database import Database
from chassis.events import handle_event
from chassis.logging import Correlation
from chassis.outbox import Outbox
from chassis.throttle import Throttles
from chassis.types import utcnow
from contracts import accounts, family
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Forbidden
from family import (
    domain,
    dossier_models,
    dossier_service,
    enrolment_service,
    limits,
    preregistration_service,
)
from family.models import Base, Throttle
from family.repository import Families

log = logging.getLogger("family.health_reads")


class FamilyService(
    health.Health,
    retention.Retention,
    dossier_service.DossierEntrypoints,
    preregistration_service.PreregistrationEntrypoints,
    enrolment_service.Enrolment,
):
    """Families of the Espace famille: activation by their parents, the Dossier Unique
    (:mod:`family.dossier_service`), pre-registrations, enrolments and attendance
    (:mod:`family.enrolment_service`)."""

    name = family.SERVICE

    db = Database(Base)
    outbox = Outbox()
    correlation = Correlation()
    callers = identity.CallerVerification()
    retention_rules = (
        *retention.CHASSIS_RULES,
        retention.throttle_rule("throttles"),
        dossier_models.CERTIFICATES_RULE,
    )

    @rpc(expected_exceptions=EXPECTED)
    def activate_family(self, caller, payload):
        """Link the caller's account to a family (contracts.family.ActivateFamily)."""
        account_id = identity.load(caller)["account_id"]
        if account_id is None:
            raise Forbidden(domain.LOGIN_REQUIRED)
        data = load_or_invalid(family.ActivateFamily(), payload)
        now, view = utcnow(), None
        with self.db.session() as session:
            lock = Throttles(session, Throttle).lock
            keys = limits.keys(account_id, data["family_id"])
            limits.check_not_locked(lock, keys, now)
            families = Families(session)
            found = families.by_identifier(data["family_id"])
            if not domain.matches(found, data["family_name"], data["adult_first_name"]):
                limits.count_failure(lock, keys, now)
            else:
                limits.clear_account(lock, account_id)
                if domain.link_account(families, found, account_id, now):
                    event = domain.activated_event(found, account_id)
                    self.outbox.add(
                        session, family.FAMILY_SPACE_ACTIVATED, family.FamilySpaceActivated(), event
                    )
                view = domain.linked_view(found)
        if view is None:
            raise domain.refuse_activation()
        return family.LinkedFamily().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_linked_families(self, caller):
        """The families the caller's account is linked to (contracts.family.LinkedFamily)."""
        account_id = identity.load(caller)["account_id"]
        if account_id is None:
            return []
        with self.db.session() as session:
            views = [domain.linked_view(found) for found in Families(session).linked_to(account_id)]
        return family.LinkedFamily(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def get_family(self, caller, family_id):
        """The Dossier Unique, to a linked account or an agent (contracts.family.Family)."""
        who = identity.load(caller)
        with self.db.session() as session:
            families = Families(session)
            found, as_agent = domain.find_visible_family(families, who, family_id)
            health_rows = families.health_of(found)
            if as_agent:
                families.record_health_read(found, who["account_id"], utcnow())
                log.info("agent %s read the health data of family %s", who["account_id"], found.id)
            view = domain.family_view(found, health_rows)
        return family.Family().dump(view)

    @handle_event(accounts.SERVICE, accounts.ACCOUNT_CLOSED, accounts.AccountClosed)
    def on_account_closed(self, session, event):
        """A closed account is no longer linked to any family; the families stay."""
        Families(session).unlink_account(event["account_id"])
