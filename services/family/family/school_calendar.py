"""The school calendar of Caluire-et-Cuire (académie de Lyon, zone A), as data per school year.

A school year has its first day of class, the day the summer holidays start, and the zone A
holidays (the day the holidays start, the day classes resume). French public holidays come
from the ``holidays`` library, never from a hand-written list. Primary schools of the town
have class on Monday, Tuesday, Thursday and Friday; Wednesdays and school holidays are the
days of the centre de loisirs.

The dates below are those of the ministry's calendar for zone A; 2027-2028 is the published
draft and is corrected here, as data, when the final decree differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

SCHOOL_WEEKDAYS = (0, 1, 3, 4)
"""Monday, Tuesday, Thursday, Friday (Python weekdays): days with class."""
WEDNESDAY = 2


@dataclass(frozen=True)
class Break:
    """School holidays: from ``starts`` (first day without class) to ``resumes`` (excluded)."""

    label: str
    starts: date
    resumes: date

    def __contains__(self, day: date) -> bool:
        return self.starts <= day < self.resumes


@dataclass(frozen=True)
class SchoolYear:
    code: str
    first_day: date
    summer_starts: date
    breaks: tuple[Break, ...]
    days_off: tuple[date, ...] = ()
    """Days without class that are neither holidays nor public holidays (the Ascension bridge)."""

    @property
    def last_day(self) -> date:
        """The last day the year covers: the eve of the next school year's usual start."""
        return date(self.summer_starts.year, 8, 31)


SCHOOL_YEARS: dict[str, SchoolYear] = {
    "2026-2027": SchoolYear(
        code="2026-2027",
        first_day=date(2026, 9, 1),
        summer_starts=date(2027, 7, 3),
        breaks=(
            Break("Vacances de la Toussaint", date(2026, 10, 17), date(2026, 11, 2)),
            Break("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 4)),
            Break("Vacances d'hiver", date(2027, 2, 13), date(2027, 3, 1)),
            Break("Vacances de printemps", date(2027, 4, 10), date(2027, 4, 26)),
        ),
        days_off=(date(2027, 5, 7),),
    ),
    "2027-2028": SchoolYear(
        code="2027-2028",
        first_day=date(2027, 9, 1),
        summer_starts=date(2028, 7, 1),
        breaks=(
            Break("Vacances de la Toussaint", date(2027, 10, 16), date(2027, 11, 2)),
            Break("Vacances de Noël", date(2027, 12, 18), date(2028, 1, 3)),
            Break("Vacances d'hiver", date(2028, 2, 19), date(2028, 3, 6)),
            Break("Vacances de printemps", date(2028, 4, 15), date(2028, 5, 2)),
        ),
        days_off=(date(2028, 5, 26),),
    ),
}


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year, language="fr")


def public_holiday(day: date) -> str | None:
    """The name of the French public holiday on ``day``, or None."""
    return _public_holidays(day.year).get(day)


def school_year_of(day: date) -> SchoolYear | None:
    """The school year whose span (first day of class to 31 August) holds ``day``."""
    for year in SCHOOL_YEARS.values():
        if year.first_day <= day <= year.last_day:
            return year
    return None


def break_of(day: date) -> Break | None:
    """The school holidays ``day`` falls in (summer included), or None."""
    year = school_year_of(day)
    if year is None:
        return None
    if day >= year.summer_starts:
        return Break("Vacances d'été", year.summer_starts, year.last_day + timedelta(days=1))
    return next((b for b in year.breaks if day in b), None)


def is_school_day(day: date) -> bool:
    """A day with class: in a school year, a class weekday, no holidays, no public holiday."""
    year = school_year_of(day)
    return (
        year is not None
        and day.weekday() in SCHOOL_WEEKDAYS
        and break_of(day) is None
        and day not in year.days_off
        and public_holiday(day) is None
    )


def is_leisure_day(day: date) -> bool:
    """A day of the centre de loisirs: a Wednesday or a weekday of school holidays (in a
    known school year), except public holidays."""
    if school_year_of(day) is None or day.weekday() >= 5 or public_holiday(day) is not None:
        return False
    return day.weekday() == WEDNESDAY or break_of(day) is not None


def day_kind(day: date) -> tuple[str, str]:
    """What ``day`` is, as the agents' calendar shows it: (kind, French label), the kind one
    of ``ecole``, ``loisirs`` (a Wednesday of school time), ``vacances``, ``ferie``,
    ``pont`` (a day off that is neither), ``week-end``, ``hors`` (outside the school years)."""
    year = school_year_of(day)
    holiday = public_holiday(day)
    if year is None:
        return "hors", "Hors année scolaire"
    if day.weekday() >= 5:
        return "week-end", "Week-end"
    if holiday is not None:
        return "ferie", f"Jour férié : {holiday}"
    holidays_break = break_of(day)
    if holidays_break is not None:
        return "vacances", holidays_break.label
    if day in year.days_off:
        return "pont", "Pont (pas de classe)"
    if day.weekday() == WEDNESDAY:
        return "loisirs", "Mercredi : centre de loisirs"
    return "ecole", "Jour d'école"


def days_between(start: date, end: date) -> Iterator[date]:
    """Every day from ``start`` to ``end``, both included."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)
