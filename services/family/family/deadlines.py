"""Deadline rules as data: until when a day of an activity may still be booked or cancelled.

A rule reads like the town's leaflet, "J-2 à 23:59, week-ends non comptés": go back ``days``
days from the day concerned, counting only the days the rule counts (every day, or only
working days: Monday to Friday, French public holidays excluded), then take ``at`` o'clock
that day, in Europe/Paris. A change is accepted strictly before that moment::

    rule = DeadlineRule(days=2, at=time(23, 59), working_days_only=True)
    rule.deadline(date(2027, 1, 11))  # Thursday 7 January 2027 at 23:59 Paris, in UTC
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from contracts.dates_fr import PARIS, french_date, french_moment
from family.school_calendar import public_holiday

__all__ = ["PARIS", "DeadlineRule", "french_date", "french_moment", "is_working_day"]


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return day.weekday() < 5 and public_holiday(day) is None


@dataclass(frozen=True)
class DeadlineRule:
    days: int
    at: time
    working_days_only: bool

    @property
    def label(self) -> str:
        """The rule in the town's words: ``J-2 à 23:59, week-ends et jours fériés non comptés``."""
        text = f"J-{self.days} à {self.at:%H:%M}"
        return f"{text}, week-ends et jours fériés non comptés" if self.working_days_only else text

    def deadline_day(self, day: date) -> date:
        """The day, before ``day``, on which the deadline falls."""
        current, counted = day, 0
        while counted < self.days:
            current -= timedelta(days=1)
            if not self.working_days_only or is_working_day(current):
                counted += 1
        return current

    def deadline(self, day: date) -> datetime:
        """The last moment (exclusive, aware, UTC) a change to ``day`` is accepted."""
        local = datetime.combine(self.deadline_day(day), self.at, tzinfo=PARIS)
        return local.astimezone(UTC)

    def is_open(self, day: date, now: datetime) -> bool:
        """True while a change to ``day`` is still accepted at ``now`` (aware)."""
        return now < self.deadline(day)
