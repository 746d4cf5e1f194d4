"""Attendance in, monthly invoices out: mixed into the billing service.

``family.attendance_changed`` feeds the projection of billable days (idempotent on
``event_id``; a later change of a day wins over an earlier one whatever their order of
arrival). An hourly timer invoices the month just ended once it is over (Europe/Paris), on
one replica only: the run holds a PostgreSQL advisory lock, taken without waiting, for its
whole length, and a month finished is not run again by the timer. Corrections after issue
go through ``python -m billing.invoicing YYYY-MM``.

The same event keeps the children's birth dates for the childcare certificates, which an
hourly timer generates in January for the year just ended (``billing.certificates``), and
families download (``list_certificates``, ``certificate_pdf``).
"""

from __future__ import annotations

import logging

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import text

from billing import certificates, documents, domain, invoicing
from billing.invoicing_repository import Attendance
from billing.repository import Access
from chassis import identity
from chassis.events import handle_event
from chassis.types import utcnow
from contracts import billing, family_activities
from contracts.errors import EXPECTED, NotFound

log = logging.getLogger(__name__)

RUN_LOCK = "billing-invoicing-run"
CERTIFICATES_LOCK = "billing-certificates-run"


class InvoicingEntrypoints:
    @handle_event(
        family_activities.SERVICE,
        family_activities.ATTENDANCE_CHANGED,
        family_activities.AttendanceChanged,
    )
    def on_attendance_changed(self, session, event):
        """The days of a child's activity, as the family service now books them."""
        Attendance(session).record(event)
        certificates.Certificates(session).record_child(event)

    @timer(interval=3600)
    def invoice_last_month(self):
        """The month just ended, invoiced once, by one replica."""
        month = invoicing.previous_month(domain.paris_today(utcnow()))
        self._once_per_period(
            RUN_LOCK,
            lambda session: Attendance(session).finished(month),
            lambda: log.info(
                "invoicing of %s: %s", month, invoicing.run(self.db, self.outbox, month)
            ),
        )

    @timer(interval=3600)
    def issue_childcare_certificates(self):
        """In January, last year's childcare certificates, once, by one replica."""
        today = domain.paris_today(utcnow())
        if today.month != 1:
            return
        year = today.year - 1
        self._once_per_period(
            CERTIFICATES_LOCK,
            lambda session: certificates.Certificates(session).finished(year),
            lambda: log.info(
                "certificates of %s: %s", year, certificates.run(self.db, self.outbox, year)
            ),
        )

    @rpc(expected_exceptions=EXPECTED)
    def list_certificates(self, caller):
        """The childcare certificates of the caller's families (contracts.billing)."""
        account_id = identity.load(caller)["account_id"]
        with self.db.session() as session:
            debtor = Access(session).debtor(account_id)
            rows = certificates.Certificates(session).of(debtor.family_ids)
            found = documents.certificate_views(rows)
        return billing.ChildcareCertificate(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED)
    def certificate_pdf(self, caller, family_id, year):
        """One certificate as a PDF (contracts.billing.Document); NotFound to anyone else."""
        account_id = identity.load(caller)["account_id"]
        with self.db.session() as session:
            debtor = Access(session).debtor(account_id)
            rows = [
                row
                for row in certificates.Certificates(session).of(debtor.family_ids)
                if row.family_id == str(family_id) and str(row.year) == str(year)
            ]
            if not rows:
                raise NotFound("Attestation introuvable.")
            view = documents.certificate_views(rows)[0]
        content = documents.certificate_pdf(view)
        name = f"attestation-frais-de-garde-{view['year']}-{view['family_id']}.pdf"
        return billing.Document().dump(documents.as_document(name, content))

    def _once_per_period(self, lock: str, finished, work) -> None:
        """``work`` unless ``finished``, on one replica at a time (an advisory lock taken
        without waiting: the other replicas skip)."""
        with self.db.session() as session:
            if finished(session):
                return
        with self.db.engine.connect() as connection:
            key = {"key": lock}
            if not connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:key))"), key):
                return
            try:
                with self.db.session() as session:
                    if finished(session):
                        return
                work()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), key)
                connection.commit()
