"""Pricing rules of the family invoices: what a day of an activity costs a family.

Free of nameko and sessions. A day's status comes from ``family.attendance_changed``
(``billing.attendance``):

- ``booked``: billed at the family's bracket;
- ``removed`` (cancelled before its deadline, the only way a day leaves a booking): not billed;
- ``absent_justified``: not billed; ``absent_unjustified``: billed as booked;
- ``unbooked`` (present without a booking): billed with the tariff's surcharge.

Each day is priced with the grid in force on that day (``billing.tariffs``), in the family's
bracket on that day (``QuotientHistory``: the quotient familial valid that day, highest
bracket when unknown), at the resident or non-resident price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from billing.tariffs import Tariff
from contracts.family_activities import ACTIVITY_CODES

BILLED_STATUSES = ("booked", "absent_unjustified", "unbooked")
STATUSES = (*BILLED_STATUSES, "removed", "absent_justified")
NOTES = {
    "absent_unjustified": " (absence non justifiée)",
    "unbooked": " (présence sans réservation, majorée)",
}

DayKey = tuple[str, str, date]
"""(child id, activity, day)."""


@dataclass(frozen=True)
class Household:
    """What the bracket depends on (``family.quotient_changed``)."""

    quotient_familial: int | None = None
    resident: bool = True

    def on(self, day: date) -> Household:
        """The same household every day (a family with one known situation)."""
        return self


@dataclass(frozen=True)
class QuotientHistory:
    """A family's quotient familial over time: each announcement with the day it is valid
    from. A day is priced with the one valid that day; before the first, the family is
    unknown (highest bracket, resident), so a later change never reprices earlier days."""

    changes: tuple[tuple[date, Household], ...] = ()

    def on(self, day: date) -> Household:
        valid = [(start, household) for start, household in self.changes if start <= day]
        return max(valid, key=lambda change: change[0])[1] if valid else Household()


@dataclass(frozen=True)
class AttendanceDay:
    child_id: str
    child_first_name: str
    activity: str
    activity_label: str
    day: date
    status: str

    @property
    def key(self) -> DayKey:
        return (self.child_id, self.activity, self.day)


@dataclass(frozen=True)
class PricedDay:
    attendance: AttendanceDay
    cents: int

    @property
    def label(self) -> str:
        a = self.attendance
        note = NOTES.get(a.status, "")
        return f"{a.child_first_name} – {a.activity_label} – {a.day:%d/%m/%Y}{note}"


class NoTariff(LookupError):
    """No grid of this activity is in force on that day: the town must vote one first."""


def tariff_on(tariffs: Iterable[Tariff], activity: str, day: date) -> Tariff:
    """The activity's grid in force on ``day``: the latest one valid from that day or before."""
    in_force = [t for t in tariffs if t.activity == activity and t.valid_from <= day]
    if not in_force:
        raise NoTariff(f"no tariff for {activity} on {day.isoformat()}")
    return max(in_force, key=lambda t: t.valid_from)


def day_cents(tariff: Tariff, household: Household, unbooked: bool = False) -> int:
    """A day's price in the family's bracket; an unknown quotient is the highest bracket."""
    bracket = tariff.brackets[-1]
    if household.quotient_familial is not None:
        bracket = next(
            b for b in tariff.brackets if b.up_to is None or household.quotient_familial <= b.up_to
        )
    cents = bracket.resident_cents if household.resident else bracket.non_resident_cents
    return cents + (tariff.unbooked_surcharge_cents if unbooked else 0)


def price(
    days: Iterable[AttendanceDay],
    household: Household | QuotientHistory,
    tariffs: Iterable[Tariff],
) -> list[PricedDay]:
    """The billed days, by child, activity and day; days not billed are left out. Each day
    is priced with the grid in force and the household (quotient) valid on that day."""
    grids = tuple(tariffs)
    priced = [
        PricedDay(
            d,
            day_cents(
                tariff_on(grids, d.activity, d.day), household.on(d.day), d.status == "unbooked"
            ),
        )
        for d in days
        if d.status in BILLED_STATUSES
    ]
    return sorted(priced, key=lambda p: _line_order(p.attendance))


def _line_order(day: AttendanceDay) -> tuple:
    """Lines by child, then activity in the order of the day (morning to evening), then day."""
    return (day.child_id, ACTIVITY_CODES.index(day.activity), day.day)


@dataclass(frozen=True)
class Correction:
    """What a run adds to what was already billed for a month: days to invoice, and the
    cents to give back (a credit note) for days billed too much."""

    to_invoice: list[PricedDay]
    to_credit: list[tuple[DayKey, int]]

    @property
    def credit_cents(self) -> int:
        return sum(cents for _, cents in self.to_credit)


def correction(priced: list[PricedDay], billed: Mapping[DayKey, int]) -> Correction:
    """Compare the month as priced now with what its invoices and credit notes already say:
    the first run invoices every day, a re-run with nothing new changes nothing, a change
    after issue is a supplement (days now due) or a credit (days billed too much)."""
    due = {p.attendance.key: p for p in priced}
    to_invoice = [
        PricedDay(p.attendance, p.cents - billed.get(key, 0))
        for key, p in due.items()
        if p.cents > billed.get(key, 0)
    ]
    to_credit = []
    for key, cents in sorted(billed.items()):
        owed = due[key].cents if key in due else 0
        if cents > owed:
            to_credit.append((key, cents - owed))
    return Correction(to_invoice, to_credit)
