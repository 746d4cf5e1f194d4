"""Entrypoints of the démarche back office (``contracts.demarche_office``), mixed into
``RequestsService``: the agents' queue and its export, assignment, the log of views."""

from __future__ import annotations

from nameko.rpc import rpc

from chassis import identity
from chassis.types import utcnow
from contracts import demarche_office as contract
from contracts import open311, paging
from contracts import requests as reports_contract
from contracts.base import load_or_invalid
from contracts.demarche_requests import AgentDemarchePage, AgentDemarcheRequest
from contracts.errors import EXPECTED
from requests_service import demarche_domain as domain
from requests_service import demarche_office as office
from requests_service import domain as reports_domain
from requests_service import public_reports, reopening
from requests_service.demarche_repository import DemarcheRequests
from requests_service.repository import Reports

ADMIN_ROLES = ("admin",)


def queue_criteria(caller, filters) -> office.Criteria:
    """The caller's queue narrowed by ``filters`` (QueueFilters)."""
    who = identity.load(caller)
    data = load_or_invalid(contract.QueueFilters(), filters or {}, "Le filtre est invalide.")
    return office.criteria(who, data, utcnow())


class DemarcheOffice:
    """Needs the ``db`` and ``outbox`` dependencies of the service it is mixed into."""

    @rpc(expected_exceptions=EXPECTED)
    def search_demarche_requests(self, caller, filters, page=None, size=None):
        """One page of the caller's queue, oldest first (QueueFilters)."""
        criteria = queue_criteria(caller, filters)
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            found, total = DemarcheRequests(session).search(criteria, page, size)
            views = [domain.request_view(request) for request in found]
        return AgentDemarchePage().dump(paging.page_view(views, page, size, total))

    @rpc(expected_exceptions=EXPECTED)
    def export_demarche_requests(self, caller, filters):
        """The caller's queue as rows for a CSV file, at most ``EXPORT_LIMIT``."""
        criteria = queue_criteria(caller, filters)
        with self.db.session() as session:
            found = DemarcheRequests(session).export(criteria, contract.EXPORT_LIMIT + 1)
            rows = [office.export_row(request) for request in found[: contract.EXPORT_LIMIT]]
        export = {"rows": rows, "truncated": len(found) > contract.EXPORT_LIMIT}
        return contract.Export().dump(export)

    @rpc(expected_exceptions=EXPECTED)
    def assign_demarche_request(self, caller, request_id, payload):
        """Take a request, or give it back (Assign)."""
        who = identity.load(caller)
        data = load_or_invalid(contract.Assign(), payload)
        with self.db.session() as session:
            store = DemarcheRequests(session)
            request = domain.get_for_agent(store, who, request_id, for_change=True)
            office.assign(request, who, data)
            view = domain.request_view(request)
        return AgentDemarcheRequest().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def assign_report(self, caller, report_id, payload):
        """Take a public-space report, hand it to a colleague or give it back (Assign)."""
        agent = identity.require_role(caller, reports_contract.AGENT_ROLES)
        data = load_or_invalid(contract.Assign(), payload)
        with self.db.session() as session:
            report = reports_domain.get_report(Reports(session), report_id, for_change=True)
            office.assign(report, agent, data)
            view = reports_domain.report_view(report)
        return reports_contract.AgentReport().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def change_report_statuses(self, caller, payload):
        """Several reports to one status with one comment, all or none (BulkReportStatus)."""
        agent = identity.require_role(caller, reports_contract.AGENT_ROLES)
        data = load_or_invalid(contract.BulkReportStatus(), payload)
        now = utcnow()
        with self.db.session() as session:
            reports = Reports(session)
            changed = []
            for report_id in sorted(set(data["report_ids"])):  # one lock order: no deadlock
                report = reports_domain.get_report(reports, report_id, for_change=True)
                previous = office.change_in_bulk(reports, report, agent, data, now)
                self._announce_report_change(session, report, previous)
                changed.append(report.tracking_number)
        return contract.BulkResult().dump({"changed": changed})

    @rpc(expected_exceptions=EXPECTED)
    def reopen_report(self, caller, tracking_number, tracking_key, payload):
        """The author reopens a report resolved less than 30 days ago (ReopenReport)."""
        who = identity.load(caller)
        data = load_or_invalid(reports_contract.ReopenReport(), payload)
        with self.db.session() as session:
            reports = Reports(session)
            found = reports_domain.find_tracked_report(reports, tracking_number, tracking_key)
            report = reports_domain.get_report(reports, found.id, for_change=True)
            previous = reopening.reopen(reports, report, who, data["reason"], utcnow())
            self._announce_report_change(session, report, previous)
            view = reports_domain.report_view(report)
        return reports_contract.Report().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_public_reports(self, caller, filters):
        """Reports for Open311 readers, without personal data (PublicReportFilters)."""
        identity.load(caller)
        data = load_or_invalid(open311.PublicReportFilters(), filters or {})
        with self.db.session() as session:
            views = [
                public_reports.public_view(r) for r in public_reports.find(session, data, utcnow())
            ]
        return open311.PublicReport(many=True).dump(views)

    def _announce_report_change(self, session, report, previous: str) -> None:
        event = reports_domain.status_changed_event(report, previous)
        self.outbox.add(
            session,
            reports_contract.REPORT_STATUS_CHANGED,
            reports_contract.ReportStatusChanged(),
            event,
        )

    @rpc(expected_exceptions=EXPECTED)
    def list_demarche_views(self, caller, page=None, size=None):
        """Who opened which état-civil request, and when, newest first (admins)."""
        identity.require_role(caller, ADMIN_ROLES)
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            found, total = DemarcheRequests(session).views(page, size)
            entries = [office.view_entry(view) for view in found]
        return contract.ViewLogPage().dump(paging.page_view(entries, page, size, total))
