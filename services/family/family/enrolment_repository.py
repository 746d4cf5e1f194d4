"""Queries of enrolments: capacity counters, booked days, waiting list, absences, feeds.

Capacity counters (``activity_slots``) are created on first use and then locked with
``SELECT ... FOR UPDATE`` in date order, always all those a transaction needs at once, so
two transactions never wait for each other in a cycle. A transaction that needs one counter
only (a day at the canteen) locks it directly when it exists, saving the insert's round trip:
it holds no other counter, so no cycle can form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, undefer

from family import enrolment_queries as queries
from family.models import (
    Absence,
    ActivitySlot,
    Booking,
    CalendarFeed,
    Child,
    ClosureDay,
    Family,
    FamilyLink,
    SchoolYearOpening,
    UnbookedPresence,
    WaitingEntry,
)

WAITING, PROMOTED, WITHDRAWN = queries.WAITING, "promoted", "withdrawn"


@dataclass(frozen=True)
class ChildAccess:
    """A family, one of its children (None if it has no such child), the accounts linked to
    it (oldest link first) and the school years opened but not yet published."""

    family: Family
    child: Child | None
    account_ids: list[str]
    unpublished_years: set[str]


class Enrolments:
    def __init__(self, session: Session) -> None:
        self.session = session

    def family_seen_by(self, identifier: str, account_id: str | None) -> tuple[Family | None, bool]:
        """The family (without its adults and children) and whether the account is linked to
        it, in one query."""
        linked = (
            select(FamilyLink.id)
            .where(FamilyLink.family_id == Family.id, FamilyLink.account_id == account_id)
            .exists()
        )
        row = self.session.execute(
            select(Family, linked).where(Family.identifier == identifier)
        ).one_or_none()
        return (None, False) if row is None else (row[0], bool(row[1]))

    def child_access(self, identifier: str, child_id: int) -> ChildAccess | None:
        """What an enrolment entrypoint needs before it decides, in one query (one round trip
        instead of four on every attendance change)."""
        params = {"identifier": identifier, "child_id": child_id}
        row = self.session.execute(queries.CHILD_ACCESS, params).one_or_none()
        if row is None:
            return None
        return ChildAccess(row[0], row[1], list(row[2] or ()), set(row[3] or ()))

    def child(self, child_id: int) -> Child:
        return self.session.get(Child, child_id)

    def account_ids(self, family_id: int) -> list[str]:
        query = select(FamilyLink.account_id).where(FamilyLink.family_id == family_id)
        return list(self.session.scalars(query.order_by(FamilyLink.linked_at)))

    def lock_slots(
        self, activity: str, needs: Iterable[tuple[str, date]], capacity: int
    ) -> dict[tuple[str, date], ActivitySlot]:
        """The counters of ``(place, day)`` pairs, created if new, locked in a fixed order."""
        pairs = sorted(set(needs), key=lambda pair: (pair[1], pair[0]))
        if not pairs:
            return {}
        if len(pairs) == 1:  # one counter: lock it if it exists, holding no other lock yet
            found = self._locked(activity, pairs)
            if found:
                return found
        rows = [
            {"activity": activity, "place": p, "day": d, "capacity": capacity, "booked": 0}
            for p, d in pairs
        ]
        self.session.execute(insert(ActivitySlot).values(rows).on_conflict_do_nothing())
        return self._locked(activity, pairs)

    def _locked(
        self, activity: str, pairs: list[tuple[str, date]]
    ) -> dict[tuple[str, date], ActivitySlot]:
        params = {"activity": activity, "pairs": pairs}
        return {(s.place, s.day): s for s in self.session.scalars(queries.LOCK_SLOTS, params)}

    def slots(self, activity: str, place: str, days: list[date]) -> dict[date, ActivitySlot]:
        """Counters as they are (no lock), for showing places left."""
        query = select(ActivitySlot).where(
            ActivitySlot.activity == activity,
            ActivitySlot.place == place,
            ActivitySlot.day.in_(days),
        )
        return {slot.day: slot for slot in self.session.scalars(query)}

    def booked_days(self, child_id: int, activity: str) -> dict[date, Booking]:
        params = {"child_id": child_id, "activity": activity}
        return {b.day: b for b in self.session.scalars(queries.BOOKED_DAYS, params)}

    def add_booking(self, child_id: int, activity: str, place: str, day: date, now: datetime):
        self.session.add(
            Booking(child_id=child_id, activity=activity, place=place, day=day, booked_at=now)
        )

    def remove_booking(self, booking: Booking) -> None:
        self.session.delete(booking)

    def add_waiting(
        self, child_id: int, activity: str, place: str, days: list[date], now: datetime
    ) -> int:
        """Put a unit on the waiting list; returns its position (1 for the oldest entry
        waiting for any of its days).

        The caller holds the locks of the unit's counters, so the entry's id is its arrival
        order, every earlier entry for these days is committed and no later one can come in:
        the position is counted by the insert itself (``RETURNING``), without a round trip
        more, nor a second transaction after the commit.
        """
        params = {
            "entry_child_id": child_id,
            "entry_activity": activity,
            "entry_place": place,
            "entry_days": days,
            "entry_requested_at": now,
        }
        return self.session.execute(queries.ADD_WAITING, params).scalar_one()

    def waiting_of_child(self, child_id: int, activity: str | None = None) -> list[WaitingEntry]:
        if activity is not None:
            params = {"child_id": child_id, "activity": activity}
            return list(self.session.scalars(queries.WAITING_OF_CHILD, params))
        query = select(WaitingEntry).where(
            WaitingEntry.child_id == child_id, WaitingEntry.status == WAITING
        )
        return list(self.session.scalars(query.order_by(WaitingEntry.id)))

    def waiting_for(self, activity: str, place: str, days: list[date]) -> list[WaitingEntry]:
        """Waiting entries that want any of ``days``, oldest first."""
        query = select(WaitingEntry).where(
            WaitingEntry.activity == activity,
            WaitingEntry.place == place,
            WaitingEntry.status == WAITING,
            WaitingEntry.days.overlap(days),
        )
        return list(self.session.scalars(query.order_by(WaitingEntry.id)))

    def resolve(self, entry: WaitingEntry, status: str, now: datetime) -> None:
        self.session.execute(
            update(WaitingEntry)
            .where(WaitingEntry.id == entry.id)
            .values(status=status, resolved_at=now)
        )

    def add_unbooked(
        self, child_id: int, activity: str, place: str, day: date, agent_id: str, now: datetime
    ) -> bool:
        """Record the presence; False when it was recorded already."""
        values = {
            "child_id": child_id,
            "activity": activity,
            "place": place,
            "day": day,
            "agent_account_id": agent_id,
            "recorded_at": now,
        }
        statement = insert(UnbookedPresence).values(values).on_conflict_do_nothing()
        return self.session.execute(statement).rowcount == 1

    def child_named(self, family: Family, first_name: str, normalize) -> Child | None:
        """The family's child whose first name is ``first_name`` as ``normalize`` compares."""
        children = self.session.scalars(select(Child).where(Child.family_id == family.id))
        wanted = normalize(first_name)
        return next((c for c in children if normalize(c.first_name) == wanted), None)

    def absence_certificate(self, child_id: int, activity: str, day: date) -> Absence | None:
        """The absence of that day with its certificate loaded, if a certificate is kept."""
        query = (
            select(Absence)
            .where(Absence.child_id == child_id, Absence.activity == activity, Absence.day == day)
            .where(Absence.certificate_name.is_not(None))
            .options(undefer(Absence.certificate))
        )
        return self.session.scalars(query).first()

    def absences(self, child_id: int, activity: str) -> dict[date, Absence]:
        query = select(Absence).where(Absence.child_id == child_id, Absence.activity == activity)
        return {absence.day: absence for absence in self.session.scalars(query)}

    def add_absence(self, child_id: int, activity: str, day: date, now: datetime) -> Absence:
        absence = Absence(
            child_id=child_id, activity=activity, day=day, justified=False, declared_at=now
        )
        self.session.add(absence)
        return absence

    def planning(self, child_id: int, start: date, end: date):
        """Booked days, absences and waiting entries of the child between two dates."""
        bookings = select(Booking).where(
            Booking.child_id == child_id, Booking.day.between(start, end)
        )
        absences = select(Absence).where(
            Absence.child_id == child_id, Absence.day.between(start, end)
        )
        return (
            list(self.session.scalars(bookings.order_by(Booking.day, Booking.activity))),
            {(a.activity, a.day) for a in self.session.scalars(absences)},
            self.waiting_of_child(child_id),
        )

    def attendance(self, activity: str, day: date):
        """Who is expected at ``activity`` on ``day``: (booking or unbooked presence, child,
        family identifier), by place then name, with the ids of the children declared absent
        and the counters.
        Absences map each absent child's id to (justified, a medical certificate is kept)."""

        def expected(table):
            return (
                select(table, Child, Family.identifier)
                .join(Child, Child.id == table.child_id)
                .join(Family, Family.id == Child.family_id)
                .where(table.activity == activity, table.day == day)
                .order_by(table.place, Child.last_name, Child.first_name, Child.id)
            )

        absent = select(
            Absence.child_id, Absence.justified, Absence.certificate_name.is_not(None)
        ).where(Absence.activity == activity, Absence.day == day)
        counters = select(ActivitySlot).where(
            ActivitySlot.activity == activity, ActivitySlot.day == day
        )
        rows = [
            *self.session.execute(expected(Booking)),
            *self.session.execute(expected(UnbookedPresence)),
        ]
        return (
            rows,
            {
                child_id: (justified, kept)
                for child_id, justified, kept in self.session.execute(absent)
            },
            {slot.place: slot for slot in self.session.scalars(counters)},
        )

    def closed_days(self, start: date, end: date) -> dict[date, ClosureDay]:
        params = {"start": start, "end": end}
        return {c.day: c for c in self.session.scalars(queries.CLOSED_DAYS, params)}

    def add_closure(self, day: date, reason: str, agent_id: str, now: datetime) -> bool:
        """False when the day was already closed."""
        statement = (
            insert(ClosureDay)
            .values(day=day, reason=reason, closed_by=agent_id, closed_at=now)
            .on_conflict_do_nothing()
            .returning(ClosureDay.day)
        )
        return self.session.execute(statement).first() is not None

    def remove_closure(self, day: date) -> bool:
        statement = delete(ClosureDay).where(ClosureDay.day == day).returning(ClosureDay.day)
        return self.session.execute(statement).first() is not None

    def bookings_on(self, day: date) -> list[Booking]:
        query = select(Booking).where(Booking.day == day)
        return list(self.session.scalars(query.order_by(Booking.activity, Booking.child_id)))

    def waiting_on(self, day: date) -> list[WaitingEntry]:
        query = select(WaitingEntry).where(
            WaitingEntry.status == WAITING, WaitingEntry.days.contains([day])
        )
        return list(self.session.scalars(query.order_by(WaitingEntry.id)))

    def remove_absences_on(self, day: date) -> None:
        self.session.execute(delete(Absence).where(Absence.day == day))

    def opening(self, code: str, lock: bool = False) -> SchoolYearOpening | None:
        query = select(SchoolYearOpening).where(SchoolYearOpening.school_year == code)
        return self.session.scalars(query.with_for_update() if lock else query).one_or_none()

    def open_year(self, code: str, agent_id: str, now: datetime) -> bool:
        """False when the year was already opened."""
        statement = (
            insert(SchoolYearOpening)
            .values(school_year=code, opened_by=agent_id, opened_at=now)
            .on_conflict_do_nothing()
            .returning(SchoolYearOpening.school_year)
        )
        return self.session.execute(statement).first() is not None

    def unpublished_years(self) -> set[str]:
        query = select(SchoolYearOpening.school_year).where(
            SchoolYearOpening.published_at.is_(None)
        )
        return set(self.session.scalars(query))

    def schooled_children(self) -> list[Child]:
        """Every child with a class, locked: the rollover moves them all at once."""
        query = select(Child).where(Child.class_name.is_not(None)).order_by(Child.id)
        return list(self.session.scalars(query.with_for_update()))

    def linked_families(self) -> list[tuple[str, list[str]]]:
        """Each family with linked accounts: its identifier and the accounts."""
        query = (
            select(Family.identifier, func.array_agg(FamilyLink.account_id))
            .join(FamilyLink, FamilyLink.family_id == Family.id)
            .group_by(Family.identifier)
            .order_by(Family.identifier)
        )
        return [
            (identifier, list(accounts)) for identifier, accounts in self.session.execute(query)
        ]

    def feed(self, child_id: int) -> CalendarFeed | None:
        return self.session.get(CalendarFeed, child_id)

    def save_feed(self, child_id: int, secret: str, now: datetime) -> None:
        found = self.session.get(CalendarFeed, child_id)
        if found is None:
            self.session.add(CalendarFeed(child_id=child_id, secret=secret, created_at=now))
        else:
            found.secret, found.created_at = secret, now
        self.session.flush()

    def child_by_feed(self, secret: str) -> Child | None:
        query = select(Child).join(CalendarFeed).where(CalendarFeed.secret == secret)
        return self.session.scalars(query).one_or_none()
