"""The waiting list of a week: whoever found no free slot of a type in a week asks to be told;
a slot of that type freed in that week (cancelled, or left by a move) is held for the first
person waiting, first come first served, for ``HOLD`` minutes. They confirm it from the link
of the e-mail; a hold not confirmed in time is released and offered to the next person.

A held slot is an appointment row in status ``retenue``: the exclusion constraint keeps
anybody else from booking it meanwhile, whatever the timing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Protocol

from contracts.errors import Conflict
from requests_service import appointments_domain as domain
from requests_service.appointments_calendar import PARIS, TYPES

WAITING, OFFERED, SERVED, LAPSED = "attente", "offerte", "servie", "expiree"
HOLD = timedelta(minutes=30)
ALREADY_WAITING = "Vous êtes déjà sur la liste d'attente de cette semaine pour ce type."
HOLD_LAPSED = "Le créneau n'a pas été confirmé à temps : il a été proposé à quelqu'un d'autre."


class WaitingList(Protocol):
    def add_entry(self, **fields: Any) -> Any: ...
    def waiting(self, email: str, kind: str, week: date) -> Any | None: ...
    def first_waiting(self, kind: str, week: date) -> Any | None: ...
    def entry_of(self, appointment_id: int) -> Any | None: ...
    def add(self, **fields: Any) -> Any: ...


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def join(store: WaitingList, who: dict, data: dict, now: datetime) -> Any:
    """Put a person on the list of a type's week (the week of ``data["day"]``), once."""
    kind = domain.appointment_type(data["type"])
    email = data["email"].strip().lower()
    week = week_start(data["day"])
    if store.waiting(email, kind.code, week) is not None:
        raise Conflict(ALREADY_WAITING)
    return store.add_entry(
        kind=kind.code,
        week_start=week,
        email=email,
        account_id=who.get("account_id"),
        first_name=data["first_name"],
        last_name=data["last_name"],
        status=WAITING,
        appointment_id=None,
        created_at=now,
    )


def offer(store: WaitingList, kind: str, desk: str, starts_at, ends_at, now: datetime):
    """Hold a freed slot for the first person waiting for its type and week; the held
    appointment, or None when the slot is too close or nobody waits."""
    first, last = domain.booking_window(now)
    day = starts_at.astimezone(PARIS).date()
    entry = store.first_waiting(kind, week_start(day)) if first <= day <= last else None
    if entry is None:
        return None
    held = store.add(
        kind=kind,
        desk=desk,
        starts_at=starts_at,
        ends_at=ends_at,
        status=domain.HELD,
        email=entry.email,
        account_id=entry.account_id,
        first_name=entry.first_name,
        last_name=entry.last_name,
        ants_number="",
        manage_key=domain.new_tracking_key(),
        booked_by="citoyen",
        sequence=0,
        created_at=now,
        updated_at=now,
        hold_expires_at=now + HOLD,
    )
    entry.status, entry.appointment_id = OFFERED, held.id
    return held


def confirm(store: WaitingList, held: Any, ants: Any, now: datetime) -> None:
    """Turn a held slot into a booking, before the hold lapses."""
    if held.status != domain.HELD or held.hold_expires_at <= now:
        raise Conflict(
            HOLD_LAPSED if held.status in (domain.HELD, domain.EXPIRED) else domain.NOT_MANAGEABLE
        )
    held.ants_number = domain.ants_number(TYPES[held.kind], ants)
    held.status, held.hold_expires_at, held.updated_at = domain.BOOKED, None, now
    entry = store.entry_of(held.id)
    if entry is not None:
        entry.status = SERVED


def lapse(store: WaitingList, held: Any, now: datetime) -> None:
    """Release a hold not confirmed in time; its person leaves the list."""
    held.status, held.updated_at = domain.EXPIRED, now
    entry = store.entry_of(held.id)
    if entry is not None:
        entry.status = LAPSED
