"""Rules of passport and identity-card appointments, free of nameko and SQLAlchemy.

Functions take an ``Appointments`` store (``appointments_repository`` in the service) and
return plain objects. The store owns the one guarantee a rule cannot give: two active
appointments never overlap on a desk (a PostgreSQL exclusion constraint; the store raises
:class:`SlotTaken` when it refuses one).
"""

from __future__ import annotations

import calendar
import hmac
import re
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from chassis import retention
from contracts.errors import Conflict, Invalid, NotFound
from requests_service.appointments_calendar import (
    DESKS,
    PARIS,
    TYPES,
    AppointmentType,
    Interval,
    is_slot,
    paris_day_bounds,
)
from requests_service.domain import new_tracking_key

BOOKED, PRESENT, ABSENT, CANCELLED = "reservee", "presente", "absente", "annulee"
HELD, EXPIRED = "retenue", "expiree"
STATUS_LABELS = {
    BOOKED: "Réservé",
    PRESENT: "Présent",
    ABSENT: "Absent",
    CANCELLED: "Annulé",
    HELD: "Retenu pour vous, à confirmer",
    EXPIRED: "Non confirmé à temps",
}
ACTIVE = (BOOKED, PRESENT, ABSENT, HELD)
"""Statuses that hold their slot (the exclusion constraint's condition)."""
MAX_MONTHS_AHEAD = 3
KEPT = timedelta(days=2 * 366)
"""Past appointments, closures and salle des fêtes requests are kept two years after their
end: the current and the previous year's no-show figures, and the hall's recent history."""
RETENTION_RULES = (
    retention.older_than("appointments", "ends_at", KEPT),
    retention.older_than("appointment_blocks", "ends_at", KEPT),
    retention.older_than("hall_bookings", "ends_at", KEPT),
    retention.older_than("appointment_waiting_list", "created_at", timedelta(days=120)),
)
"""A waiting-list entry outlives its week and any hold by far after four months."""

INVALID_FORM = "Le formulaire contient des erreurs."
SLOT_TAKEN = "Ce créneau vient d'être réservé par quelqu'un d'autre : choisissez un autre horaire."
NOT_A_SLOT = "Ce créneau n'existe pas : choisissez un horaire proposé."
BLOCKED = "Ce créneau n'est pas ouvert aux rendez-vous : choisissez un autre horaire."
TOO_EARLY = "Les rendez-vous se prennent à partir du lendemain."
TOO_LATE = "Les rendez-vous se prennent au plus tard {months} mois à l'avance (jusqu'au {last})."
ANTS_REQUIRED = "Indiquez le numéro de pré-demande ANTS (10 lettres ou chiffres)."
ANTS_FORMAT = "Le numéro de pré-demande ANTS compte 10 lettres majuscules ou chiffres."
ALREADY_BOOKED = (
    "Vous avez déjà un rendez-vous « {label} » à venir (le {when}) : "
    "déplacez-le ou annulez-le depuis le lien reçu par e-mail."
)
NOT_FOUND = "Aucun rendez-vous ne correspond à ce lien."
NOT_MANAGEABLE = "Ce rendez-vous est passé ou annulé : il ne peut plus être modifié."
ANTS_PATTERN = re.compile(r"[A-Z0-9]{10}")


class SlotTaken(Exception):
    """The store refused an appointment overlapping another one on its desk."""


class Appointments(Protocol):
    def add(self, **fields: Any) -> Any: ...
    def save(self, appointment: Any) -> None: ...
    def lock_person(self, email: str, kind: str) -> None: ...
    def upcoming_for(self, email: str, kind: str, now: datetime) -> Any | None: ...
    def blocks_between(self, starts_at: datetime, ends_at: datetime) -> list[Interval]: ...
    def get(self, appointment_id: int, for_change: bool = False) -> Any | None: ...


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def booking_window(now: datetime) -> tuple[date, date]:
    """The first and last Paris days a citizen may book: tomorrow to three months ahead."""
    today = now.astimezone(PARIS).date()
    return today + timedelta(days=1), add_months(today, MAX_MONTHS_AHEAD)


def appointment_type(code: Any) -> AppointmentType:
    if not isinstance(code, str) or code not in TYPES:
        raise Invalid(INVALID_FORM, {"type": ["Choix inconnu."]})
    return TYPES[code]


def check_day(day: date, now: datetime, by_agent: bool = False) -> None:
    """Refuse a day outside the booking window (an agent may book for today)."""
    first, last = booking_window(now)
    today = now.astimezone(PARIS).date()
    if day < (today if by_agent else first):
        raise Invalid(INVALID_FORM, {"starts_at": [TOO_EARLY]})
    if day > last:
        message = TOO_LATE.format(months=MAX_MONTHS_AHEAD, last=f"{last:%d/%m/%Y}")
        raise Invalid(INVALID_FORM, {"starts_at": [message]})


def ants_number(kind: AppointmentType, value: Any) -> str:
    """The pre-application number, upper-cased without spaces; '' for a collection."""
    typed = re.sub(r"[\s-]", "", value).upper() if isinstance(value, str) else ""
    if not kind.needs_pre_application:
        return ""
    if not typed:
        raise Invalid(INVALID_FORM, {"ants_number": [ANTS_REQUIRED]})
    if not ANTS_PATTERN.fullmatch(typed):
        raise Invalid(INVALID_FORM, {"ants_number": [ANTS_FORMAT]})
    return typed


def check_slot(store: Appointments, kind, desk: str, starts_at: datetime, now, by_agent=False):
    """The end of a bookable slot of ``kind``; Invalid when it is not one."""
    check_day(starts_at.astimezone(PARIS).date(), now, by_agent)
    if not is_slot(kind, desk, starts_at):
        raise Invalid(INVALID_FORM, {"starts_at": [NOT_A_SLOT]})
    ends_at = starts_at + timedelta(minutes=kind.minutes)
    if any(b.overlaps(desk, starts_at, ends_at) for b in store.blocks_between(starts_at, ends_at)):
        raise Conflict(BLOCKED)
    return ends_at


def book(store: Appointments, who: dict, data: dict, now: datetime, by_agent=False) -> Any:
    """Store an appointment in a free slot for a person with no other upcoming one of the type."""
    kind = appointment_type(data["type"])
    number = ants_number(kind, data.get("ants_number"))
    ends_at = check_slot(store, kind, data["desk"], data["starts_at"], now, by_agent)
    email = data["email"].strip().lower()
    store.lock_person(email, kind.code)
    existing = store.upcoming_for(email, kind.code, now)
    if existing is not None:
        when = existing.starts_at.astimezone(PARIS)
        message = ALREADY_BOOKED.format(label=kind.label, when=f"{when:%d/%m/%Y à %H h %M}")
        raise Conflict(message)
    return store.add(
        kind=kind.code,
        desk=data["desk"],
        starts_at=data["starts_at"],
        ends_at=ends_at,
        status=BOOKED,
        email=email,
        account_id=None if by_agent else who.get("account_id"),
        first_name=data["first_name"],
        last_name=data["last_name"],
        ants_number=number,
        manage_key=new_tracking_key(),
        booked_by="agent" if by_agent else "citoyen",
        sequence=0,
        created_at=now,
        updated_at=now,
        hold_expires_at=None,
    )


def reference(appointment: Any) -> str:
    """``RDV-<Paris year of booking>-<6 digits>``: short enough to read at the counter."""
    return f"RDV-{appointment.created_at.astimezone(PARIS).year}-{appointment.id:06d}"


def parse_reference(value: Any) -> int | None:
    found = re.fullmatch(r"RDV-\d{4}-(\d{6,})", value) if isinstance(value, str) else None
    return int(found.group(1)) if found else None


def find_managed(store: Appointments, ref: Any, key: Any, for_change=False) -> Any:
    """The appointment behind a manage link; a wrong key looks like an unknown reference."""
    appointment_id = parse_reference(ref)
    found = store.get(appointment_id, for_change) if appointment_id is not None else None
    if found is None or not isinstance(key, str) or reference(found) != ref:
        raise NotFound(NOT_FOUND)
    if not hmac.compare_digest(found.manage_key.encode(), key.encode()):
        raise NotFound(NOT_FOUND)
    return found


def require_manageable(appointment: Any, now: datetime) -> None:
    if appointment.status != BOOKED or appointment.starts_at <= now:
        raise Conflict(NOT_MANAGEABLE)


def cancel(appointment: Any, now: datetime) -> None:
    require_manageable(appointment, now)
    appointment.status, appointment.updated_at = CANCELLED, now
    appointment.sequence += 1


def move(store: Appointments, appointment: Any, desk: str, starts_at: datetime, now) -> datetime:
    """Move ``appointment`` to another free slot of its type, in place (one row, one
    transaction: either the new slot is held and the old one released, or nothing changes).
    Returns the previous start."""
    require_manageable(appointment, now)
    kind = TYPES[appointment.kind]
    ends_at = check_slot(store, kind, desk, starts_at, now)
    previous = appointment.starts_at
    appointment.desk, appointment.starts_at, appointment.ends_at = desk, starts_at, ends_at
    appointment.updated_at = now
    appointment.sequence += 1
    store.save(appointment)
    return previous


def reminder_window(now: datetime) -> tuple[datetime, datetime]:
    """The UTC bounds of tomorrow in Paris: appointments reminded today."""
    return paris_day_bounds(now.astimezone(PARIS).date() + timedelta(days=1))


def manage_path(appointment: Any) -> str:
    ref, key = quote(reference(appointment), safe=""), quote(appointment.manage_key, safe="")
    return f"/rendez-vous/gerer/{ref}?cle={key}"


def appointment_view(appointment: Any) -> dict:
    """Everything the appointment schemas dump; each keeps only the fields it declares."""
    kind = TYPES[appointment.kind]
    return {
        "id": appointment.id,
        "reference": reference(appointment),
        "manage_key": appointment.manage_key,
        "manage_path": manage_path(appointment),
        "type": kind.code,
        "type_label": kind.label,
        "desk": appointment.desk,
        "desk_label": DESKS[appointment.desk].label,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "status": appointment.status,
        "status_label": STATUS_LABELS[appointment.status],
        "email": appointment.email,
        "account_id": appointment.account_id,
        "first_name": appointment.first_name,
        "last_name": appointment.last_name,
        "ants_number": appointment.ants_number,
        "booked_by": appointment.booked_by,
        "sequence": appointment.sequence,
        "created_at": appointment.created_at,
        "updated_at": appointment.updated_at,
        "hold_expires_at": appointment.hold_expires_at,
    }


def timeline_entry(appointment: Any) -> dict:
    """An appointment as one line of "Mon espace" (``contracts.timeline.TimelineEntry``)."""
    view = appointment_view(appointment)
    when = appointment.starts_at.astimezone(PARIS)
    return {
        "service": "requests",
        "kind": "rendez_vous",
        "reference": view["reference"],
        "title": f"Rendez-vous {view['type_label']} le {when:%d/%m/%Y à %H h %M}",
        "status": view["status"],
        "status_label": view["status_label"],
        "submitted_at": appointment.created_at,
        "updated_at": appointment.updated_at,
        "path": view["manage_path"],
    }
