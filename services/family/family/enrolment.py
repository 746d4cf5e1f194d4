"""Rules of enrolment and attendance: typical weeks, deadlines, capacity and the waiting list.

Free of nameko: the repository (:class:`family.enrolment_repository.Enrolments`) is passed in.
A request is made of units: one day, or a whole week at the centre de loisirs. A unit is
booked only if every one of its days has a place; otherwise it joins the waiting list as one
entry. Every counter a transaction needs is locked first, all at once and in date order
(``Enrolments.lock_slots``), so capacity is never exceeded and transactions never deadlock.
When a place frees, the oldest waiting entries that now fit are booked in the same
transaction (a promotion, announced by its own ``attendance_changed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from contracts.errors import Conflict, Invalid
from family import school_calendar
from family.activities import Activity, place_of
from family.deadlines import PARIS, french_date
from family.enrolment_repository import PROMOTED, WITHDRAWN

MAX_PERIOD_DAYS = 366
NO_PLACE = "{name} ne peut pas être inscrit(e) à cette activité (école ou âge)."


@dataclass
class Outcome:
    added: list[date] = field(default_factory=list)
    removed: list[date] = field(default_factory=list)
    absent: list[date] = field(default_factory=list)
    waiting: list[date] = field(default_factory=list)
    waiting_positions: list[int] = field(default_factory=list)
    """The position of each waiting entry made, counted as it is inserted."""
    past_deadline: list[date] = field(default_factory=list)
    unbooked_presences: list[date] = field(default_factory=list)
    justified: list[date] = field(default_factory=list)
    """Days of ``absent`` an agent justified (not billed)."""
    withdrawn: list[date] = field(default_factory=list)
    """Days the child no longer waits for (never booked: not in the event)."""
    promoted: list[Any] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.absent or self.unbooked_presences)


def typical_week(
    activity: Activity, weekdays: list[int], start: date, end: date, whole_weeks: bool
) -> list[list[date]]:
    """The units of an enrolment: each day the activity runs on a chosen weekday, or, for
    whole weeks at the centre de loisirs, every day it runs in each week of the period."""
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise Invalid("La période est invalide.", {"end": ["Une année scolaire au plus."]})
    days = [d for d in school_calendar.days_between(start, end) if activity.runs_on(d)]
    if activity.by_week and whole_weeks:
        return [list(week) for _, week in groupby(days, key=lambda d: d.isocalendar()[:2])]
    return [[d] for d in days if d.weekday() in weekdays]


def enrol(repo: Any, child: Any, activity: Activity, units: list[list[date]], now: datetime):
    """Book the units still open (their deadline not passed) that the child has not yet,
    leaving out the days the town closed."""
    outcome = Outcome()
    every_day = [d for unit in units for d in unit]
    if every_day:
        closed = repo.closed_days(min(every_day), max(every_day))
        units = [[d for d in unit if d not in closed] for unit in units]
    taken = set(repo.booked_days(child.id, activity.code))
    taken |= {d for e in repo.waiting_of_child(child.id, activity.code) for d in e.days}
    wanted = []
    for unit in units:
        fresh = [d for d in unit if d not in taken]
        outcome.past_deadline += [d for d in fresh if not activity.deadline.is_open(d, now)]
        fresh = [d for d in fresh if activity.deadline.is_open(d, now)]
        if fresh:
            wanted.append(fresh)
    placed = [(_place(activity, child, unit[0]), unit) for unit in wanted]
    slots = repo.lock_slots(activity.code, _needs(placed), activity.capacity)
    _book(repo, child, activity, placed, slots, now, outcome)
    return outcome


def change(
    repo: Any,
    child: Any,
    activity: Activity,
    requested: dict[str, list[date]],
    now: datetime,
) -> Outcome:
    """Add or remove days before their deadline; after it, an absence (still billed)."""
    outcome, errors = Outcome(), {}
    booked = repo.booked_days(child.id, activity.code)
    is_open = lambda day: activity.deadline.is_open(day, now)  # noqa: E731
    today = now.astimezone(PARIS).date()
    absent = [d for d in _unique(requested["absent"]) if d in booked]
    remove = _unique(requested["remove"]) + [d for d in absent if is_open(d)]
    absent = [d for d in absent if not is_open(d)]
    entries = repo.waiting_of_child(child.id, activity.code)
    waiting = {d for entry in entries for d in entry.days}
    add = [d for d in _unique(requested["add"]) if d not in booked and d not in waiting]
    _refuse(errors, "absent", [d for d in requested["absent"] if d not in booked], "non réservé")
    _refuse(errors, "absent", [d for d in absent if d < today], "jour passé")
    _refuse(errors, "add", [d for d in add if not activity.runs_on(d)], "pas d'activité ce jour")
    if add:
        closed = repo.closed_days(min(add), max(add))
        _refuse(errors, "add", [d for d in add if d in closed], "jour de fermeture")
    _refuse(errors, "add", [d for d in add if not is_open(d)], "date limite passée")
    late = [d for d in remove if d in booked and not is_open(d)]
    _refuse(errors, "remove", late, "date limite passée, signalez plutôt une absence")
    if errors:
        raise Invalid("Ces jours ne peuvent pas être modifiés.", errors)
    outcome.withdrawn = _withdraw_waiting(repo, entries, set(remove) - set(booked), now)
    released = [booked[d] for d in _unique(remove) if d in booked]
    candidates = {  # a first read, to lock every counter involved in one ordered batch
        place: repo.waiting_for(activity.code, place, days)
        for place, days in _released_days(released).items()
    }
    placed = [(_place(activity, child, d), [d]) for d in add]
    needs = _needs(placed) | {(b.place, b.day) for b in released}
    needs |= {(e.place, d) for entries in candidates.values() for e in entries for d in e.days}
    existing = repo.absences(child.id, activity.code) if absent else {}
    slots = repo.lock_slots(activity.code, needs, activity.capacity)  # held until commit
    for place, days in _released_days(released).items():
        candidates[place] = waiting_under_lock(repo, activity, place, days, slots)
    for booking in released:
        slots[(booking.place, booking.day)].booked -= 1
        repo.remove_booking(booking)
    outcome.removed = sorted(b.day for b in released)
    for day in absent:
        if day not in existing:
            repo.add_absence(child.id, activity.code, day, now)
            outcome.absent.append(day)
    _book(repo, child, activity, placed, slots, now, outcome)
    for entries in candidates.values():
        outcome.promoted += promote(repo, activity, entries, slots, now)
    return outcome


def set_capacity(
    repo: Any, activity: Activity, place: str, day: date, capacity: int, now: datetime
) -> tuple[Any, list]:
    """An agent's new number of places for a day; never below the places booked. Places
    added go at once to the waiting list, oldest first. Returns the counter and promotions."""
    entries = repo.waiting_for(activity.code, place, [day])
    needs = {(place, day)} | {(e.place, d) for e in entries for d in e.days}
    slots = repo.lock_slots(activity.code, needs, activity.capacity)
    entries = waiting_under_lock(repo, activity, place, [day], slots)
    counter = slots[(place, day)]
    if capacity < counter.booked:
        message = f"Déjà {counter.booked} place(s) réservée(s) ce jour : pas moins de places."
        raise Invalid(message, {"capacity": [message]})
    counter.capacity = capacity
    return counter, promote(repo, activity, entries, slots, now)


def record_presence(
    repo: Any, child: Any, activity: Activity, day: date, agent_id: str, now: datetime
) -> Outcome:
    """A child seen at ``activity`` on ``day`` without a booking (once per day)."""
    if day in repo.booked_days(child.id, activity.code):
        raise Invalid("Ce jour est réservé.", {"day": [f"{french_date(day)} : déjà réservé"]})
    if not activity.runs_on(day):
        raise Invalid("Pas d'activité ce jour.", {"day": [f"{french_date(day)} : pas d'activité"]})
    outcome = Outcome()
    if repo.add_unbooked(child.id, activity.code, _place(activity, child, day), day, agent_id, now):
        outcome.unbooked_presences = [day]
    return outcome


NOT_BOOKED = "Ce jour n'est pas réservé : il n'y a pas d'absence à justifier."


@dataclass(frozen=True)
class Justification:
    reason: str
    agent_id: str
    certificate: Any = None
    """A ``family.certificates.CleanCertificate``, or None."""


def justify_absence(
    repo: Any, child: Any, activity: Activity, day: date, why: Justification, now: datetime
) -> tuple[Any, Outcome]:
    """An agent marks a booked day's absence justified, declared already or not (a family
    may bring a medical certificate after the day); the booking stays, nothing is billed.
    Justifying again replaces the reason, and the certificate when a new one is given."""
    if day not in repo.booked_days(child.id, activity.code):
        raise Invalid(NOT_BOOKED, {"day": [f"{french_date(day)} : pas de réservation"]})
    absence = repo.absences(child.id, activity.code).get(day)
    if absence is None:
        absence = repo.add_absence(child.id, activity.code, day, now)
    absence.justified = True
    absence.reason = why.reason
    absence.justified_by = why.agent_id
    absence.justified_at = now
    if why.certificate is not None:
        absence.certificate_name = why.certificate.filename
        absence.certificate_type = why.certificate.content_type
        absence.certificate = why.certificate.data
    return absence, Outcome(absent=[day], justified=[day])


@dataclass
class Closure:
    """What closing a day did: the booked days removed, per child and activity, and the
    waiting entries withdrawn (never booked: nothing to announce)."""

    removed: dict[tuple[int, str], list[date]] = field(default_factory=dict)
    withdrawn: int = 0


CLOSED_ALREADY = "Ce jour est déjà fermé."


def close_day(repo: Any, day: date, reason: str, agent_id: str, now: datetime) -> Closure:
    """Close every activity on ``day``: the bookings are removed (their counters locked and
    decremented), the absences on it dropped, the waiting entries wanting it withdrawn."""
    if not repo.add_closure(day, reason, agent_id, now):
        raise Conflict(CLOSED_ALREADY)
    closure = Closure()
    bookings = repo.bookings_on(day)
    for activity_code, group in groupby(bookings, key=lambda b: b.activity):
        released = list(group)
        slots = repo.lock_slots(activity_code, {(b.place, day) for b in released}, 0)
        for booking in released:
            slots[(booking.place, day)].booked -= 1
            repo.remove_booking(booking)
            closure.removed.setdefault((booking.child_id, activity_code), []).append(day)
    repo.remove_absences_on(day)
    for entry in repo.waiting_on(day):
        repo.resolve(entry, WITHDRAWN, now)
        closure.withdrawn += 1
    return closure


def _released_days(released: list) -> dict[str, list[date]]:
    days: dict[str, list[date]] = {}
    for booking in released:
        days.setdefault(booking.place, []).append(booking.day)
    return days


def waiting_under_lock(
    repo: Any, activity: Activity, place: str, days: list[date], slots: dict
) -> list:
    """The waiting entries for ``days`` at ``place``, read again once their counters are
    locked, oldest first. The read made before the lock only told which counters to lock
    in one ordered batch: a family whose transaction put it on the list between that read
    and the lock would otherwise be missed by the promotion and wait beside a free place.
    The counters of such a late entry's other days are locked too (the pre-lock read saw
    nearly always every entry, so this second lock is rare)."""
    entries = repo.waiting_for(activity.code, place, days)
    missing = {(e.place, d) for e in entries for d in e.days} - slots.keys()
    if missing:
        slots.update(repo.lock_slots(activity.code, missing, activity.capacity))
    return entries


def promote(repo: Any, activity: Activity, entries: list, slots: dict, now: datetime) -> list:
    """Book, oldest first, the waiting entries whose every day now has a place (and whose
    deadlines have not passed); the counters of all their days are locked by the caller."""
    promoted = []
    for entry in entries:
        if entry.status != "waiting" or not all(
            activity.deadline.is_open(d, now) for d in entry.days
        ):
            continue
        counters = [slots[(entry.place, d)] for d in entry.days]
        if any(slot.booked >= slot.capacity for slot in counters):
            continue
        already = repo.booked_days(entry.child_id, activity.code)
        for slot, day in zip(counters, entry.days, strict=True):
            if day not in already:
                slot.booked += 1
                repo.add_booking(entry.child_id, activity.code, entry.place, day, now)
        repo.resolve(entry, PROMOTED, now)
        entry.status = PROMOTED
        promoted.append(entry)
    return promoted


def _book(repo, child, activity, placed, slots, now, outcome: Outcome) -> None:
    for place, unit in placed:
        counters = [slots[(place, d)] for d in unit]
        if all(slot.booked < slot.capacity for slot in counters):
            for slot, day in zip(counters, unit, strict=True):
                slot.booked += 1
                repo.add_booking(child.id, activity.code, place, day, now)
            outcome.added += unit
        else:
            position = repo.add_waiting(child.id, activity.code, place, unit, now)
            outcome.waiting_positions.append(position)
            outcome.waiting += unit


def _withdraw_waiting(repo, entries: list, days: set[date], now: datetime) -> list[date]:
    """Leave the waiting list for those days (a whole entry at once); ``entries`` are the
    child's waiting entries for the activity."""
    left = []
    for entry in entries:
        if days & set(entry.days):
            repo.resolve(entry, WITHDRAWN, now)
            left += entry.days
    return left


def _place(activity: Activity, child: Any, day: date) -> str:
    place = place_of(activity, child.school, child.birth_date, day)
    if place is None:
        raise Invalid(NO_PLACE.format(name=child.first_name), {"activity": ["Non proposé."]})
    return place


def _needs(placed: list[tuple[str, list[date]]]) -> set[tuple[str, date]]:
    return {(place, day) for place, unit in placed for day in unit}


def _unique(days: list[date]) -> list[date]:
    return sorted(set(days))


def _refuse(errors: dict, name: str, days: list[date], reason: str) -> None:
    if days:
        errors.setdefault(name, []).extend(f"{french_date(d)} : {reason}" for d in sorted(days))


def bookable_window(today: date, weeks: int) -> list[date]:
    return list(school_calendar.days_between(today, today + timedelta(weeks=weeks)))
