"""Rules of the salle des fêtes: rental periods, prices as data, requests and the agent's
decision. Free of nameko and SQLAlchemy.

The one guarantee a rule cannot give is the store's: two accepted bookings never overlap
(a PostgreSQL exclusion constraint; the store raises :class:`HallTaken` when it refuses one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.hall import EVENT_KINDS
from requests_service.appointments_calendar import PARIS, holiday_name
from requests_service.appointments_domain import add_months

REQUESTED, ACCEPTED, REFUSED, CANCELLED = "demandee", "acceptee", "refusee", "annulee"
CANCELLED_BY_TOWN = "annulee_mairie"
STATUS_LABELS = {
    REQUESTED: "Demandée",
    ACCEPTED: "Acceptée",
    REFUSED: "Refusée",
    CANCELLED: "Annulée par le demandeur",
    CANCELLED_BY_TOWN: "Annulée par la mairie",
}
PAID_LABEL = "Acceptée, location payée"
AGENT_ROLES = ("agent_vie_pratique", "admin")
INVALID_FORM = "Le formulaire contient des erreurs."
CAPACITY = 200
MIN_DAYS_AHEAD, MAX_MONTHS_AHEAD = 15, 12
DEPOSIT_CENTS = 100_000
"""The caution (a cheque given when the keys are handed over), shown, never invoiced."""


@dataclass(frozen=True)
class Period:
    code: str
    label: str
    opens: time
    closes: time
    next_day: bool
    full_day: bool


PERIODS = {
    p.code: p
    for p in (
        Period("matin", "Matinée (8 h – 13 h 30)", time(8), time(13, 30), False, False),
        Period(
            "apres_midi", "Après-midi et soirée (14 h – 23 h)", time(14), time(23), False, False
        ),
        Period("journee", "Journée entière (8 h – 2 h le lendemain)", time(8), time(2), True, True),
    )
}
"""How the town rents the hall: a half day, or the whole day and its night."""

PRICES_CENTS = {
    # (resident, weekend or public holiday, whole day): rent in cents
    (True, False, False): 15_000,
    (True, False, True): 25_000,
    (True, True, False): 25_000,
    (True, True, True): 45_000,
    (False, False, False): 30_000,
    (False, False, True): 50_000,
    (False, True, False): 50_000,
    (False, True, True): 90_000,
}

LOGIN_REQUIRED = "Connectez-vous pour demander la salle des fêtes : la location vous sera facturée."
TOO_EARLY = f"La salle se demande au moins {MIN_DAYS_AHEAD} jours à l'avance."
TOO_LATE = f"La salle se demande au plus {MAX_MONTHS_AHEAD} mois à l'avance."
TOO_MANY = f"La salle accueille {CAPACITY} personnes au plus."
HALL_TAKEN = "La salle est déjà louée sur ce créneau : la demande ne peut pas être acceptée."
REASON_REQUIRED = "Indiquez le motif du refus : il sera envoyé au demandeur."
ALREADY_DECIDED = "Cette demande a déjà reçu une réponse."
NOT_FOUND = "Cette demande de salle n'existe pas."
NOT_YOUR_ROLE = "La salle des fêtes est gérée par le service vie pratique."
NOT_CANCELLABLE = (
    "Seule une demande qui attend la réponse de la mairie peut être annulée en ligne. "
    "Pour renoncer à une location acceptée, contactez le service vie pratique."
)


class HallTaken(Exception):
    """The store refused an accepted booking overlapping another accepted one."""


class HallBookings(Protocol):
    def add(self, **fields: Any) -> Any: ...
    def save(self, booking: Any) -> None: ...


def period_bounds(day: date, period: Period) -> tuple[datetime, datetime]:
    end_day = day + timedelta(days=1) if period.next_day else day
    return (
        datetime.combine(day, period.opens, tzinfo=PARIS),
        datetime.combine(end_day, period.closes, tzinfo=PARIS),
    )


def free_periods(day: date, taken: list[tuple[datetime, datetime]]) -> list[str]:
    """The periods of ``day`` that no accepted booking (``taken`` spans) overlaps."""
    free = []
    for code, period in PERIODS.items():
        start, end = period_bounds(day, period)
        if not any(s < end and start < e for s, e in taken):
            free.append(code)
    return free


def is_weekend(day: date) -> bool:
    """Saturday, Sunday or a public holiday: the weekend price."""
    return day.weekday() >= 5 or holiday_name(day) is not None


def price_cents(day: date, period: Period, resident: bool) -> int:
    return PRICES_CENTS[(resident, is_weekend(day), period.full_day)]


def price_table() -> list[dict]:
    """Every price, for the page that shows them before the request."""
    return [
        {"resident": r, "weekend": w, "full_day": f, "amount_cents": cents}
        for (r, w, f), cents in PRICES_CENTS.items()
    ]


def request_window(now: datetime) -> tuple[date, date]:
    today = now.astimezone(PARIS).date()
    return today + timedelta(days=MIN_DAYS_AHEAD), add_months(today, MAX_MONTHS_AHEAD)


def check_request(data: dict, now: datetime) -> Period:
    """The period of a valid request; Invalid with French messages per field otherwise."""
    errors: dict[str, list[str]] = {}
    first, last = request_window(now)
    if data["day"] < first:
        errors["day"] = [TOO_EARLY]
    elif data["day"] > last:
        errors["day"] = [TOO_LATE]
    if data["period"] not in PERIODS:
        errors["period"] = ["Choix inconnu."]
    if data["event_kind"] not in EVENT_KINDS:
        errors["event_kind"] = ["Choix inconnu."]
    if not 1 <= data["guests"] <= CAPACITY:
        errors["guests"] = [TOO_MANY if data["guests"] > CAPACITY else "Nombre invalide."]
    if errors:
        raise Invalid(INVALID_FORM, errors)
    return PERIODS[data["period"]]


def request_hall(store: HallBookings, who: dict, data: dict, insurance: Any, now: datetime):
    """Record a request (not yet blocking the date) priced from the tariffs."""
    if not who.get("account_id"):
        raise Forbidden(LOGIN_REQUIRED)
    period = check_request(data, now)
    starts_at, ends_at = period_bounds(data["day"], period)
    return store.add(
        account_id=who["account_id"],
        email=data["email"].strip().lower(),
        requester=data["requester"],
        event_kind=data["event_kind"],
        guests=data["guests"],
        day=data["day"],
        period=period.code,
        starts_at=starts_at,
        ends_at=ends_at,
        resident=data["resident"],
        amount_cents=price_cents(data["day"], period, data["resident"]),
        deposit_cents=DEPOSIT_CENTS,
        status=REQUESTED,
        reason="",
        insurance_filename=insurance.filename,
        insurance_content_type=insurance.content_type,
        insurance_size=len(insurance.data),
        insurance_data=insurance.data,
        created_at=now,
        updated_at=now,
    )


def require_agent(who: dict) -> dict:
    if not set(who.get("roles") or ()) & set(AGENT_ROLES):
        raise Forbidden(NOT_YOUR_ROLE)
    return who


def decide(store: HallBookings, booking: Any, agent: dict, data: dict, now: datetime) -> None:
    """Accept (the date is then blocked) or refuse with a reason, once."""
    if booking.status != REQUESTED:
        raise Conflict(ALREADY_DECIDED)
    if data["decision"] == REFUSED and not data.get("reason"):
        raise Invalid(INVALID_FORM, {"reason": [REASON_REQUIRED]})
    booking.status, booking.reason = data["decision"], data.get("reason", "")
    booking.decided_by, booking.updated_at = agent.get("account_id"), now
    store.save(booking)


def cancel(booking: Any, now: datetime) -> None:
    """The requester withdraws a request the town has not answered yet.

    An accepted booking has an invoice in billing: renouncing it goes through the town (the
    régie cancels the invoice, and ``billing.invoice_cancelled`` cancels the booking)."""
    if booking.status != REQUESTED:
        raise Conflict(NOT_CANCELLABLE)
    booking.status, booking.updated_at = CANCELLED, now


def mark_paid(booking: Any, paid_at: datetime) -> bool:
    """Record that the rent's invoice is paid; False when there is nothing to record (not an
    accepted booking, or already paid: a redelivered announcement changes nothing)."""
    if booking is None or booking.status != ACCEPTED or booking.paid_at is not None:
        return False
    booking.paid_at, booking.updated_at = paid_at, paid_at
    return True


def cancel_by_town(booking: Any, cancelled_at: datetime) -> bool:
    """The régie cancelled the rent's invoice: the accepted booking is cancelled and its date
    free again; False when there is nothing to change (not accepted, or already paid)."""
    if booking is None or booking.status != ACCEPTED or booking.paid_at is not None:
        return False
    booking.status, booking.updated_at = CANCELLED_BY_TOWN, cancelled_at
    return True


def due_date(booking: Any, now: datetime) -> date:
    """Pay within 30 days, and 14 days before the event at the latest (never before tomorrow)."""
    today = now.astimezone(PARIS).date()
    return min(
        today + timedelta(days=30), max(today + timedelta(days=1), booking.day - timedelta(days=14))
    )


def reference(booking: Any) -> str:
    """``SDF-<Paris year of the request>-<6 digits>``."""
    return f"SDF-{booking.created_at.astimezone(PARIS).year}-{booking.id:06d}"


def parse_reference(value: Any) -> int | None:
    found = re.fullmatch(r"SDF-\d{4}-(\d{6,})", value) if isinstance(value, str) else None
    return int(found.group(1)) if found else None


def visible_to(booking: Any, who: dict, ref: str) -> Any:
    """The booking for its requester's account or an agent; NotFound for anyone else."""
    mine = (
        booking is not None and booking.account_id and booking.account_id == who.get("account_id")
    )
    agent = set(who.get("roles") or ()) & set(AGENT_ROLES)
    if booking is None or reference(booking) != ref or not (mine or agent):
        raise NotFound(NOT_FOUND)
    return booking


def own(booking: Any, who: dict, ref: str) -> Any:
    """The booking for its requester's account only; NotFound for anyone else, agents too."""
    if booking is None or reference(booking) != ref or not booking.account_id:
        raise NotFound(NOT_FOUND)
    if booking.account_id != who.get("account_id"):
        raise NotFound(NOT_FOUND)
    return booking


def status_label(booking: Any) -> str:
    return PAID_LABEL if booking.paid_at is not None else STATUS_LABELS[booking.status]


def booking_view(booking: Any) -> dict:
    period = PERIODS[booking.period]
    return {
        "id": booking.id,
        "reference": reference(booking),
        "day": booking.day,
        "period": period.code,
        "period_label": period.label,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "event_kind": booking.event_kind,
        "event_kind_label": EVENT_KINDS[booking.event_kind],
        "guests": booking.guests,
        "resident": booking.resident,
        "amount_cents": booking.amount_cents,
        "deposit_cents": booking.deposit_cents,
        "status": booking.status,
        "status_label": status_label(booking),
        "paid_at": booking.paid_at,
        "reason": booking.reason,
        "requester": booking.requester,
        "email": booking.email,
        "account_id": booking.account_id,
        "insurance_filename": booking.insurance_filename,
        "created_at": booking.created_at,
        "updated_at": booking.updated_at,
    }


def fee_due_event(booking: Any, now: datetime) -> dict:
    """``requests.fee_due``, exactly as the billing contract says."""
    return {
        "reference": reference(booking),
        "account_id": booking.account_id,
        "email": booking.email,
        "label": f"Location de la salle des fêtes le {booking.day:%d/%m/%Y}",
        "amount_cents": booking.amount_cents,
        "due_date": due_date(booking, now),
        "issued_at": now,
    }


def timeline_entry(booking: Any) -> dict:
    view = booking_view(booking)
    return {
        "service": "requests",
        "kind": "salle_des_fetes",
        "reference": view["reference"],
        "title": f"Salle des fêtes le {booking.day:%d/%m/%Y}",
        "status": view["status"],
        "status_label": view["status_label"],
        "submitted_at": booking.created_at,
        "updated_at": booking.updated_at,
        "path": f"/salle-des-fetes/demande/{view['reference']}",
    }
