"""Attendance in, monthly invoices out: mixed into the billing service.

``family.attendance_changed`` feeds the projection of billable days (idempotent on
``event_id``; a later change of a day wins over an earlier one whatever their order of
arrival). An hourly timer invoices the month just ended once it is over (Europe/Paris), on
one replica only: the run holds a PostgreSQL advisory lock, taken without waiting, for its
whole length, and a month finished is not run again by the timer. Corrections after issue
go through ``python -m billing.invoicing YYYY-MM``.
"""

from __future__ import annotations

import logging

from nameko.timer import timer
from sqlalchemy import text

from billing import domain, invoicing
from billing.invoicing_repository import Attendance
from chassis.events import handle_event
from chassis.types import utcnow
from contracts import family_activities

log = logging.getLogger(__name__)

RUN_LOCK = "billing-invoicing-run"


class InvoicingEntrypoints:
    @handle_event(
        family_activities.SERVICE,
        family_activities.ATTENDANCE_CHANGED,
        family_activities.AttendanceChanged,
    )
    def on_attendance_changed(self, session, event):
        """The days of a child's activity, as the family service now books them."""
        Attendance(session).record(event)

    @timer(interval=3600)
    def invoice_last_month(self):
        """The month just ended, invoiced once, by one replica."""
        month = invoicing.previous_month(domain.paris_today(utcnow()))
        with self.db.session() as session:
            if Attendance(session).finished(month):
                return
        with self.db.engine.connect() as connection:
            key = {"key": RUN_LOCK}
            if not connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:key))"), key):
                return
            try:
                with self.db.session() as session:
                    if Attendance(session).finished(month):
                        return
                summary = invoicing.run(self.db, self.outbox, month)
                log.info("invoicing of %s: %s", month, summary)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), key)
                connection.commit()
