"""Queries of the monthly run: the attendance projection and what was billed per day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from billing import pricing
from billing.models import AttendanceDay, BilledDay, InvoicingRun
from billing.repository import Quotients


def day_statuses(event: dict) -> list[tuple[date, str]]:
    """Each day an ``attendance_changed`` speaks of, with its new status."""
    days = [(day, "booked") for day in event["added"]]
    days += [(day, "removed") for day in event["removed"]]
    days += [
        (a["date"], "absent_justified" if a["justified"] else "absent_unjustified")
        for a in event["absences"]
    ]
    days += [(day, "unbooked") for day in event["unbooked_presences"]]
    return days


def month_bounds(month: str) -> tuple[date, date]:
    """First day of ``YYYY-MM`` and first day of the next month."""
    first = date.fromisoformat(f"{month}-01")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


class Attendance:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, event: dict) -> None:
        """Apply the change to each day it names, unless a later change already did."""
        rows = [
            {
                "child_id": event["child_id"],
                "activity": event["activity"],
                "day": day,
                "family_id": event["family_id"],
                "child_first_name": event["child_first_name"][:100],
                "activity_label": event["activity_label"][:100],
                "status": status,
                "changed_at": event["changed_at"],
            }
            for day, status in day_statuses(event)
        ]
        if not rows:
            return
        statement = insert(AttendanceDay).values(rows)
        kept = ("family_id", "child_first_name", "activity_label", "status", "changed_at")
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[AttendanceDay.child_id, AttendanceDay.activity, AttendanceDay.day],
                set_={name: statement.excluded[name] for name in kept},
                where=AttendanceDay.changed_at <= statement.excluded.changed_at,
            )
        )

    def families(self, month: str) -> list[str]:
        """Families with a day in the month, or a day billed in it (a correction may be due)."""
        first, following = month_bounds(month)
        attended = select(AttendanceDay.family_id).where(
            AttendanceDay.day >= first, AttendanceDay.day < following
        )
        billed = select(BilledDay.family_id).where(BilledDay.month == month)
        query = attended.union(billed)
        return sorted(self.session.scalars(query), key=lambda f: (len(f), f))

    def lock_families(self, family_ids: list[str]) -> None:
        """Runs of the same family wait for each other (the timer of another replica, the CLI):
        one lock per family, in one statement, in the order given (every run goes through its
        families in the same order, so two runs never wait for each other in a circle)."""
        keys = [f"billing-invoicing-{family_id}" for family_id in family_ids]
        self.session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(hashtext(key)))"
                " FROM unnest(CAST(:keys AS text[])) AS key"
            ),
            {"keys": keys},
        )

    def days_of(self, family_ids: list[str], month: str) -> dict[str, list[pricing.AttendanceDay]]:
        """The month's days of each family, in one query."""
        first, following = month_bounds(month)
        columns = (
            AttendanceDay.family_id,
            AttendanceDay.child_id,
            AttendanceDay.child_first_name,
            AttendanceDay.activity,
            AttendanceDay.activity_label,
            AttendanceDay.day,
            AttendanceDay.status,
        )
        query = select(*columns).where(
            AttendanceDay.family_id.in_(family_ids),
            AttendanceDay.day >= first,
            AttendanceDay.day < following,
        )
        found: dict[str, list[pricing.AttendanceDay]] = {family_id: [] for family_id in family_ids}
        for family_id, *row in self.session.execute(query):
            found[family_id].append(pricing.AttendanceDay(*row))
        return found

    def households(self, family_ids: list[str]) -> dict[str, pricing.QuotientHistory]:
        """Each family's quotient over time (a day is priced with the one valid that day)."""
        return Quotients(self.session).histories(family_ids)

    def billed_of(self, family_ids: list[str], month: str) -> dict[str, dict[pricing.DayKey, int]]:
        """What the month's invoices and credit notes billed per day, for each family."""
        query = (
            select(
                BilledDay.family_id,
                BilledDay.child_id,
                BilledDay.activity,
                BilledDay.day,
                func.sum(BilledDay.cents),
            )
            .where(BilledDay.family_id.in_(family_ids), BilledDay.month == month)
            .group_by(BilledDay.family_id, BilledDay.child_id, BilledDay.activity, BilledDay.day)
        )
        found: dict[str, dict[pricing.DayKey, int]] = {family_id: {} for family_id in family_ids}
        for family_id, child_id, activity, day, cents in self.session.execute(query):
            found[family_id][child_id, activity, day] = int(cents)
        return found

    def bill(self, family_id: str, month: str, key: pricing.DayKey, cents: int, **document) -> None:
        child_id, activity, day = key
        self.session.add(
            BilledDay(
                family_id=family_id,
                month=month,
                child_id=child_id,
                activity=activity,
                day=day,
                cents=cents,
                **document,
            )
        )

    def bill_invoices(
        self, month: str, invoices: list[tuple[str, str, list[tuple[pricing.DayKey, int]]]]
    ) -> None:
        """What each invoice, ``(family_id, invoice_id, days)``, billed per day: one statement
        for all of them."""
        rows = [
            {
                "family_id": family_id,
                "month": month,
                "child_id": child_id,
                "activity": activity,
                "day": day,
                "cents": cents,
                "invoice_id": invoice_id,
            }
            for family_id, invoice_id, days in invoices
            for (child_id, activity, day), cents in days
        ]
        if rows:
            self.session.execute(insert(BilledDay.__table__), rows)  # Core: no ORM bulk pass

    def finished(self, month: str) -> bool:
        return self.session.get(InvoicingRun, month) is not None

    def finish(self, month: str, families: int, now: datetime) -> None:
        statement = insert(InvoicingRun).values(month=month, finished_at=now, families=families)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[InvoicingRun.month],
                set_={"finished_at": now, "families": families},
            )
        )
