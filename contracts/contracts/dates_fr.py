"""Days and moments written the French way, for the words services send citizens.

``french_date(date(2027, 1, 7))`` is ``jeudi 7 janvier 2027``; ``french_moment`` adds the
time in Europe/Paris (``jeudi 7 janvier 2027 à 23:59``). Deadlines and e-mails about
attendance days use them, so a family reads the same words on the page and in its mail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def paris_today(now: datetime | None = None) -> date:
    """The town's day at ``now`` (default: now). Deadlines, due dates and the pages' "today"
    are days in Europe/Paris whatever the machine's time zone: late in the evening the UTC
    date is still yesterday for the town."""
    return (now or datetime.now(UTC)).astimezone(PARIS).date()


def french_date(day: date | str) -> str:
    """``jeudi 7 janvier 2027``, ``vendredi 1er janvier 2027`` (a date or its ISO form)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]} {day.year}"


def french_moment(moment: datetime) -> str:
    """``jeudi 7 janvier 2027 à 23:59`` in Europe/Paris (``moment`` is aware)."""
    local = moment.astimezone(PARIS)
    return f"{french_date(local.date())} à {local:%H:%M}"
