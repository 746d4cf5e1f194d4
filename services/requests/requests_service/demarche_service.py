"""Entrypoints of the generic démarches (``contracts.demarche_requests``), mixed into
``RequestsService``: load, authorize, decide (``demarche_domain``), store with its event, dump.
"""

from __future__ import annotations

import base64

from nameko.rpc import rpc

from chassis import identity
from chassis.throttle import Throttles
from chassis.types import utcnow
from contracts import demarche_requests as contract
from contracts import paging
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED
from contracts.requests import Photo
from requests_service import attachments, limits
from requests_service import demarche_domain as domain
from requests_service import demarche_office as office
from requests_service.demarche_repository import DemarcheRequests
from requests_service.models import Throttle


class DemarcheEntrypoints:
    """Needs the ``db`` and ``outbox`` dependencies of the service it is mixed into."""

    @rpc(expected_exceptions=EXPECTED)
    def submit_demarche(self, caller, payload):
        """Record a request of a démarche and announce it (DemarcheSubmission)."""
        who = identity.load(caller)
        data = load_or_invalid(contract.DemarcheSubmission(), payload)
        demarche = domain.definition(data["demarche"])
        now = utcnow()
        today = domain.paris_day(now)
        fields = contract.load_fields(demarche, data["fields"], today, data["files"])
        with self.db.session() as session:
            lock = Throttles(session, Throttle).lock
            limits.count_submission(
                lock, data["client_ip"], fields["email"], now, limits.TOO_MANY_DEMARCHES
            )
        files = attachments.prepare(demarche, data["files"])
        with self.db.session() as session:
            store = DemarcheRequests(session)
            request = domain.submit(store, who, demarche, fields, now, files)
            event = domain.event_data(request)
            self.outbox.add(
                session, contract.DEMARCHE_SUBMITTED, contract.DemarcheSubmitted(), event
            )
            view = domain.request_view(request)
        return contract.SubmittedDemarche().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_tracked_demarche(self, caller, tracking_number, tracking_key):
        """A request as its author follows it, given its number and private key."""
        identity.load(caller)
        with self.db.session() as session:
            store = DemarcheRequests(session)
            view = domain.request_view(domain.find_tracked(store, tracking_number, tracking_key))
        return contract.DemarcheRequest().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_demarche_requests(self, caller, demarche, status=None, page=None, size=None):
        """One page of a démarche's requests for its agents, newest first."""
        who = identity.load(caller)
        definition = domain.definition(demarche)
        domain.require_agent(who, definition)
        status = domain.status_filter(definition, status)
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            found, total = DemarcheRequests(session).list(definition.code, status, page, size)
            views = [domain.request_view(request) for request in found]
        return contract.AgentDemarchePage().dump(paging.page_view(views, page, size, total))

    @rpc(expected_exceptions=EXPECTED)
    def get_demarche_request(self, caller, request_id):
        """One request with its requester's e-mail, for the agents of its démarche; the view
        is logged when the démarche says so (état civil)."""
        who = identity.load(caller)
        with self.db.session() as session:
            store = DemarcheRequests(session)
            request = domain.get_for_agent(store, who, request_id)
            office.log_view(store, request, who, utcnow())
            view = domain.request_view(request)
        return contract.AgentDemarcheRequest().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def answer_demarche(self, caller, tracking_number, tracking_key, payload):
        """The requester answers what the agent asked, through the tracking link."""
        who = identity.load(caller)
        data = load_or_invalid(contract.AnswerDemarche(), payload)
        files = [attachments.clean("reponse", upload) for upload in data["files"]]
        with self.db.session() as session:
            store = DemarcheRequests(session)
            request = domain.find_tracked(store, tracking_number, tracking_key)
            request = store.get(request.id, for_change=True)
            previous = domain.answer(request, store, who, data, files, utcnow())
            event = domain.event_data(request, previous)
            self.outbox.add(
                session, contract.DEMARCHE_STATUS_CHANGED, contract.DemarcheStatusChanged(), event
            )
            view = domain.request_view(request)
        return contract.DemarcheRequest().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_demarche_attachment(self, caller, request_id, attachment_id):
        """One file of a request, as base64 (contracts.requests.Photo), for its agents."""
        who = identity.load(caller)
        with self.db.session() as session:
            store = DemarcheRequests(session)
            request = domain.get_for_agent(store, who, request_id)
            content_type, data = domain.attachment_of(store, request, attachment_id)
        return Photo().dump({"content_type": content_type, "data": base64.b64encode(data).decode()})

    @rpc(expected_exceptions=EXPECTED)
    def change_demarche_status(self, caller, request_id, payload):
        """Move a request along an allowed transition with a public comment."""
        agent = identity.load(caller)
        data = load_or_invalid(contract.ChangeDemarcheStatus(), payload)
        with self.db.session() as session:
            store = DemarcheRequests(session)
            request = domain.get_for_agent(store, agent, request_id, for_change=True)
            previous = domain.change_status(request, store, agent, data, utcnow())
            event = domain.event_data(request, previous)
            self.outbox.add(
                session, contract.DEMARCHE_STATUS_CHANGED, contract.DemarcheStatusChanged(), event
            )
            view = domain.request_view(request)
        return contract.AgentDemarcheRequest().dump(view)
