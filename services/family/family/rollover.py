"""The school-year rollover: children move up a class, the new year waits for publication.

Free of nameko and of sessions. In summer a SimpliCité agent opens the next school year
(:data:`family.school_calendar.SCHOOL_YEARS`): every schooled child moves up a class
(maternelle PS → MS → GS → CP, then CP → CE1 → … → CM2; a CM2 leaves the town's primary
schools for the collège), and the office prepares the new year's enrolments, which families
do not see until the town publishes the year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from family import school_calendar

CLASSES = ("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2")
LEAVES = "CM2"
"""The last class of the primary school: the child leaves for the collège."""

NOT_PUBLISHED = (
    "Les inscriptions de l'année scolaire {year} ne sont pas encore publiées : elles seront "
    "visibles en ligne au cours de l'été."
)


def next_class(class_name: str | None) -> tuple[str | None, bool]:
    """The class after ``class_name`` and whether the child stays in a primary school;
    (the same class, True) when the class is not one of :data:`CLASSES` (an agent decides)."""
    level = (class_name or "").strip().upper()
    if level == LEAVES:
        return None, False
    if level in CLASSES:
        return CLASSES[CLASSES.index(level) + 1], True
    return class_name, True


@dataclass
class Moves:
    """What moving every child up did: counts, and the children an agent must look at."""

    moved: int = 0
    left: int = 0
    unknown: list[Any] = field(default_factory=list)


def move_up(children: Iterable[Any]) -> Moves:
    """Each schooled child one class up; a CM2 leaves (no school, no class any more)."""
    moves = Moves()
    for child in children:
        if not child.class_name:
            continue
        following, stays = next_class(child.class_name)
        if not stays:
            child.school, child.class_name = None, None
            moves.left += 1
        elif following == child.class_name:
            moves.unknown.append(child)
        else:
            child.class_name = following
            moves.moved += 1
    return moves


def year_code(day: date) -> str | None:
    year = school_calendar.school_year_of(day)
    return None if year is None else year.code


def hidden_days(days: Iterable[date], unpublished: set[str]) -> list[date]:
    """The days of ``days`` that belong to a school year opened but not yet published."""
    return [day for day in days if year_code(day) in unpublished]


def can_open(code: str, today: date) -> bool:
    """Only a school year still to come can be opened (the rollover happens before it)."""
    year = school_calendar.SCHOOL_YEARS.get(code)
    return year is not None and year.first_day > today
