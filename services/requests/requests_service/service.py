"""Entrypoints of the ``requests`` service: load, authorize, decide, store with its event, dump.

The RPC methods are those listed in :mod:`contracts.requests`; the rules live in
:mod:`requests_service.domain`, what ties reports to accounts in :mod:`requests_service.authors`,
photo handling in :mod:`requests_service.photos`. ``accounts.account_closed`` is consumed once
per ``event_id`` (``chassis.events.handle_event``).
"""

from __future__ import annotations

import base64

from nameko.rpc import rpc

from chassis import health, identity, retention
from chassis.database import Database
from chassis.events import handle_event
from chassis.logging import Correlation
from chassis.outbox import Outbox
from chassis.throttle import Throttles
from chassis.types import utcnow
from contracts import accounts, paging, requests, timeline
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED
from requests_service import (
    appointments_domain,
    appointments_service,
    authors,
    demarche_domain,
    demarche_office,
    demarche_office_service,
    demarche_service,
    domain,
    followers_service,
    hall_domain,
    hall_service,
    limits,
    open311_service,
    photos,
)
from requests_service.appointments_repository import Appointments
from requests_service.demarche_repository import DemarcheRequests
from requests_service.hall_repository import HallBookings
from requests_service.models import Base, Throttle
from requests_service.repository import Reports

demarche_office.view_log_kept()  # a malformed period stops the start, not the first purge


def photo_of(reports: Reports, report, position=1) -> dict:
    """The report's re-encoded photo at ``position`` as a ``Photo`` payload; NotFound when it
    has none there."""
    photo = domain.photo_at(report, position)
    data = base64.b64encode(reports.photo_data(photo)).decode()
    return requests.Photo().dump({"content_type": photo.content_type, "data": data})


# The démarche entrypoints and health are imported as modules: `nameko run` takes every class
# with entrypoints in this module for a service of its own.
class RequestsService(
    demarche_service.DemarcheEntrypoints,
    appointments_service.AppointmentEntrypoints,
    hall_service.HallEntrypoints,
    demarche_office_service.DemarcheOffice,
    followers_service.FollowerEntrypoints,
    open311_service.Open311Entrypoints,
    health.Health,
    retention.Retention,
):
    """Public-space reports and the other démarches (``demarche_service``): submitted by
    citizens, followed by link, processed by the agents of their role."""

    name = requests.SERVICE

    db = Database(Base)
    outbox = Outbox()
    correlation = Correlation()
    callers = identity.CallerVerification()
    retention_rules = (
        *retention.CHASSIS_RULES,
        retention.throttle_rule("throttles"),
        *appointments_domain.RETENTION_RULES,
        demarche_office.VIEW_LOG_RULE,
    )

    @rpc(expected_exceptions=EXPECTED)
    def list_report_categories(self, caller):
        """The categories a citizen may choose (contracts.requests.Category)."""
        identity.load(caller)
        return requests.Category(many=True).dump(domain.categories())

    @rpc(expected_exceptions=EXPECTED)
    def submit_report(self, caller, payload):
        """Record a citizen's report and announce it (contracts.requests.ReportSubmission)."""
        who = identity.load(caller)
        data = load_or_invalid(requests.ReportSubmission(), payload)
        client_ip = data.pop("client_ip")
        with self.db.session() as session:
            lock = Throttles(session, Throttle).lock
            limits.count_submission(lock, client_ip, data["email"], utcnow())
        cleaned = [photos.prepare(upload) for upload in domain.uploads_of(data)]
        with self.db.session() as session:
            report = domain.submit_report(Reports(session), who, data, cleaned, utcnow())
            event = domain.submitted_event(report)
            self.outbox.add(session, requests.REPORT_SUBMITTED, requests.ReportSubmitted(), event)
            view = domain.report_view(report)
        return requests.SubmittedReport().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_tracked_report(self, caller, tracking_number, tracking_key):
        """A report as its author follows it, given its number and private key."""
        identity.load(caller)
        with self.db.session() as session:
            reports = Reports(session)
            view = domain.report_view(
                domain.find_tracked_report(reports, tracking_number, tracking_key)
            )
        return requests.Report().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_tracked_report_photo(self, caller, tracking_number, tracking_key, position=1):
        """A photo of a tracked report, as a base64 JPEG (contracts.requests.Photo)."""
        identity.load(caller)
        with self.db.session() as session:
            reports = Reports(session)
            report = domain.find_tracked_report(reports, tracking_number, tracking_key)
            return photo_of(reports, report, position)

    @rpc(expected_exceptions=EXPECTED)
    def get_report_photo(self, caller, report_id, position=1):
        """A photo of a report, for agents (contracts.requests.Photo)."""
        identity.require_role(caller, requests.AGENT_ROLES)
        with self.db.session() as session:
            reports = Reports(session)
            return photo_of(reports, domain.get_report(reports, report_id), position)

    @rpc(expected_exceptions=EXPECTED)
    def list_reports(self, caller, status=None, page=None, size=None):
        """One page of reports for agents, newest first, optionally with one status only."""
        identity.require_role(caller, requests.AGENT_ROLES)
        status = domain.status_filter(status)
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            found, total = Reports(session).list(status, page, size)
            views = [domain.report_view(report) for report in found]
        return requests.AgentReportPage().dump(paging.page_view(views, page, size, total))

    @rpc(expected_exceptions=EXPECTED)
    def get_report(self, caller, report_id):
        """One report with its author's e-mail, for agents."""
        identity.require_role(caller, requests.AGENT_ROLES)
        with self.db.session() as session:
            view = domain.report_view(domain.get_report(Reports(session), report_id))
        return requests.AgentReport().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def change_report_status(self, caller, report_id, payload):
        """Move a report to a new status with a public comment (ChangeReportStatus)."""
        agent = identity.require_role(caller, requests.AGENT_ROLES)
        data = load_or_invalid(requests.ChangeReportStatus(), payload)
        with self.db.session() as session:
            reports = Reports(session)
            report = domain.get_report(reports, report_id, for_change=True)
            previous = domain.change_status(reports, report, agent, data, utcnow())
            event = domain.status_changed_event(report, previous)
            self.outbox.add(
                session, requests.REPORT_STATUS_CHANGED, requests.ReportStatusChanged(), event
            )
            view = domain.report_view(report)
        return requests.AgentReport().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_account_requests(self, caller):
        """The caller's reports, démarche requests, appointments and salle des fêtes requests for
        "Mon espace", newest first."""
        account_id = authors.account_of(identity.load(caller))
        with self.db.session() as session:
            entries = authors.account_timeline(Reports(session), account_id)
            found = DemarcheRequests(session).list_by_account(account_id)
            entries += [demarche_domain.timeline_entry(request) for request in found]
            booked = Appointments(session).list_by_account(account_id)
            entries += [appointments_domain.timeline_entry(item) for item in booked]
            halls = HallBookings(session).list_by_account(account_id)
            entries += [hall_domain.timeline_entry(item) for item in halls]
        entries.sort(key=lambda entry: entry["submitted_at"], reverse=True)
        return timeline.TimelineEntry(many=True).dump(entries)

    @handle_event(accounts.SERVICE, accounts.ACCOUNT_CLOSED, accounts.AccountClosed)
    def on_account_closed(self, session, event):
        """Anonymize the closed account's reports and démarche requests; they stay, with
        history, for the records.

        Its addresses also leave the copies of events (outbox rows, dead letters)."""
        addresses = authors.forget_author(Reports(session), event["account_id"])
        addresses |= Reports(session).forget_followers(event["account_id"])
        addresses |= demarche_domain.forget_account(DemarcheRequests(session), event["account_id"])
        addresses |= Appointments(session).forget_account(event["account_id"])
        addresses |= HallBookings(session).forget_account(event["account_id"])
        retention.forget_values(session, Base.metadata, {*addresses, event["email"]})
