"""When the town hall receives passport and identity-card appointments: types, desks, opening
hours, public holidays and the free slots that follow, in Europe/Paris.

Everything here is data or a pure function of data (no database, no clock): the service reads
the taken and blocked intervals, then asks :func:`free_slots` for one day::

    free_slots(date(2027, 3, 4), TYPES["passeport"], taken=[...], blocks=[...])

Slots of a type start at the beginning of each opening period and follow each other every
``minutes`` of that type, as long as the whole appointment fits in the period. A slot is free
on a desk when that desk serves the type and neither an appointment (of any type) nor a block
of that desk, or of every desk, overlaps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class AppointmentType:
    code: str
    label: str
    minutes: int
    needs_pre_application: bool


@dataclass(frozen=True)
class Desk:
    code: str
    label: str
    types: frozenset[str]


@dataclass(frozen=True)
class Interval:
    """A stretch of time on a desk (``desk`` None: every desk), UTC-aware ends."""

    desk: str | None
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, desk: str, starts_at: datetime, ends_at: datetime) -> bool:
        same_desk = self.desk is None or self.desk == desk
        return same_desk and self.starts_at < ends_at and starts_at < self.ends_at


@dataclass(frozen=True)
class Slot:
    desk: str
    starts_at: datetime
    ends_at: datetime


TYPES: dict[str, AppointmentType] = {
    t.code: t
    for t in (
        AppointmentType("cni", "Carte nationale d'identité", 20, True),
        AppointmentType("passeport", "Passeport", 20, True),
        AppointmentType("cni_passeport", "Carte d'identité et passeport", 30, True),
        AppointmentType("retrait", "Retrait d'un titre", 10, False),
    )
}
"""Appointment types with their duration; a pre-application number (ANTS) is asked for every
type but the collection of a ready document."""

DESKS: dict[str, Desk] = {
    d.code: d
    for d in (
        Desk("station-1", "Station biométrique 1", frozenset(TYPES)),
        Desk("station-2", "Station biométrique 2", frozenset(TYPES)),
    )
}
"""The biometric stations of the town hall's passport office."""

MORNING, AFTERNOON = (time(8, 30), time(12, 15)), (time(13, 30), time(17, 0))
OPENING_HOURS: dict[int, tuple[tuple[time, time], ...]] = {
    0: (MORNING, AFTERNOON),
    1: (MORNING, AFTERNOON),
    2: (MORNING, AFTERNOON),
    3: ((time(10, 30), time(12, 15)), AFTERNOON),
    4: (MORNING, AFTERNOON),
}
"""Opening periods per weekday (Monday 0), Paris wall-clock time: the town hall's hours,
Thursday from 10:30. Saturday and Sunday are closed."""


@cache
def french_holidays(year: int) -> holidays.HolidayBase:
    """Public holidays of metropolitan France (the maintained ``holidays`` library)."""
    return holidays.country_holidays("FR", years=year)


def holiday_name(day: date) -> str | None:
    return french_holidays(day.year).get(day)


def opening_periods(day: date) -> list[tuple[datetime, datetime]]:
    """The day's opening periods as UTC-aware datetimes; none on weekends and holidays."""
    if holiday_name(day) is not None:
        return []
    return [
        (
            datetime.combine(day, opens, tzinfo=PARIS).astimezone(UTC),
            datetime.combine(day, closes, tzinfo=PARIS).astimezone(UTC),
        )
        for opens, closes in OPENING_HOURS.get(day.weekday(), ())
    ]


def candidate_slots(day: date, kind: AppointmentType) -> list[tuple[datetime, datetime]]:
    """Every start of ``kind`` in the day's opening periods, with its end."""
    step = timedelta(minutes=kind.minutes)
    found = []
    for opens, closes in opening_periods(day):
        start = opens
        while start + step <= closes:
            found.append((start, start + step))
            start += step
    return found


def free_slots(
    day: date, kind: AppointmentType, taken: list[Interval], blocks: list[Interval]
) -> list[Slot]:
    """The free slots of ``kind`` on ``day``, by time then desk."""
    busy = [*taken, *blocks]
    return [
        Slot(desk.code, start, end)
        for start, end in candidate_slots(day, kind)
        for desk in DESKS.values()
        if kind.code in desk.types and not any(b.overlaps(desk.code, start, end) for b in busy)
    ]


def is_slot(kind: AppointmentType, desk: str, starts_at: datetime) -> bool:
    """Whether ``starts_at`` on ``desk`` is one of the slots of ``kind`` (free or not)."""
    if desk not in DESKS or kind.code not in DESKS[desk].types:
        return False
    day = starts_at.astimezone(PARIS).date()
    return any(start == starts_at for start, _ in candidate_slots(day, kind))


def paris_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight of a Paris day, in UTC (23 or 25 hours on change days)."""
    start = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    return start, end
