"""Back-office rules of appointments: who runs the office, attendance, blocked slots and
closure days, and the monthly no-show figures. Free of nameko and SQLAlchemy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.errors import Conflict, Forbidden, Invalid
from requests_service.appointments_calendar import DESKS, PARIS
from requests_service.appointments_domain import (
    ABSENT,
    ACTIVE,
    CANCELLED,
    INVALID_FORM,
    NOT_MANAGEABLE,
    PRESENT,
)

AGENT_ROLES = ("agent_etat_civil", "admin")


def require_agent(who: dict) -> dict:
    if not set(who.get("roles") or ()) & set(AGENT_ROLES):
        raise Forbidden("Les rendez-vous sont gérés par le service état civil.")
    return who


ATTENDANCE_TOO_EARLY = "La présence se note le jour du rendez-vous ou après."
BLOCK_ORDER = "La fin doit suivre le début."
UNKNOWN_DESK = "Station inconnue."


def mark_attendance(appointment: Any, status: Any, now: datetime) -> None:
    """Note that the person came (``presente``) or not (``absente``), from the day itself."""
    if status not in (PRESENT, ABSENT):
        raise Invalid(INVALID_FORM, {"status": ["Choix inconnu."]})
    if appointment.status not in ACTIVE:
        raise Conflict(NOT_MANAGEABLE)
    if appointment.starts_at.astimezone(PARIS).date() > now.astimezone(PARIS).date():
        raise Conflict(ATTENDANCE_TOO_EARLY)
    appointment.status, appointment.updated_at = status, now


def block_fields(agent: dict, data: dict, now: datetime) -> dict:
    """A checked block: a stretch of one desk, or of every desk when ``desk`` is empty."""
    desk = data.get("desk") or None
    if desk is not None and desk not in DESKS:
        raise Invalid(INVALID_FORM, {"desk": [UNKNOWN_DESK]})
    if data["ends_at"] <= data["starts_at"]:
        raise Invalid(INVALID_FORM, {"ends_at": [BLOCK_ORDER]})
    return {
        "desk": desk,
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "reason": data["reason"],
        "created_by": agent.get("account_id"),
        "created_at": now,
    }


def month_statistics(counts: list[tuple[str, str, int]]) -> list[dict]:
    """Rows (``YYYY-MM``, status, count) as one line per month: booked in all, present,
    absent (the no-shows) and cancelled."""
    months: dict[str, dict] = {}
    for month, status, count in counts:
        line = months.setdefault(
            month, {"month": month, "booked": 0, "present": 0, "absent": 0, "cancelled": 0}
        )
        line["booked"] += count
        key = {PRESENT: "present", ABSENT: "absent", CANCELLED: "cancelled"}.get(status)
        if key:
            line[key] += count
    return [months[month] for month in sorted(months)]
