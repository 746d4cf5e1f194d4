"""What templates need: French dates in Europe/Paris, the town, the labels of the contracts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from contracts import dates_fr
from contracts.demarches import CATALOGUE
from contracts.requests import CATEGORIES, STATUSES

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def init_app(app: Flask) -> None:
    app.jinja_env.filters["paris_datetime"] = paris_datetime
    app.jinja_env.filters["paris_date"] = paris_date
    app.jinja_env.filters["calendar_date"] = calendar_date
    app.jinja_env.filters["paris_iso"] = paris_iso
    app.jinja_env.filters["paris_time"] = paris_time
    app.jinja_env.filters["french_date"] = french_date
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["weekday_date"] = dates_fr.french_date
    app.jinja_env.filters["month_label"] = month_label
    app.context_processor(_template_globals)


def _template_globals() -> dict:
    config = current_app.config
    return {
        "town_name": config["TOWN_NAME"],
        "categories": CATEGORIES,
        "statuses": STATUSES,
        "demarches": CATALOGUE,
    }


def to_paris(value: str | datetime) -> datetime:
    """An ISO 8601 instant (as services send them) in Europe/Paris time."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: services send UTC instants")
    return moment.astimezone(PARIS)


def paris_datetime(value: str | datetime) -> str:
    """« 26 novembre 2026 à 9 h 15 », the way French administrations write a time."""
    moment = to_paris(value)
    return f"{paris_date(moment)} à {moment.hour} h {moment.minute:02d}"


def paris_time(value: str | datetime) -> str:
    """« 8 h 30 »: the time of day of an instant, in Paris."""
    moment = to_paris(value)
    return f"{moment.hour} h {moment.minute:02d}"


def paris_date(value: str | datetime) -> str:
    return french_date(to_paris(value))


def french_date(value: str | date) -> str:
    """« 1er avril 2018 »: a calendar day (a birth date, ``YYYY-MM-DD``) or an instant's day."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def calendar_date(value: str) -> str:
    """« 12 décembre 2026 » from an ISO date (``2026-12-12``), a day with no time or zone."""
    day = date.fromisoformat(value)
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def paris_iso(value: str | datetime) -> str:
    """The machine-readable form for ``<time datetime=...>``."""
    return to_paris(value).isoformat(timespec="minutes")


def euros(cents: int) -> str:
    """``9440`` -> ``"94,40 €"``: money is integer cents everywhere, euros on screen."""
    units, rest = divmod(abs(int(cents)), 100)
    sign = "-" if int(cents) < 0 else ""
    return f"{sign}{units:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def month_label(value: date) -> str:
    """« janvier 2027 »."""
    return f"{MONTHS[value.month - 1]} {value.year}"
