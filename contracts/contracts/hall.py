"""Contracts of the salle des fêtes (service ``requests``).

RPC, each taking ``caller`` first:

- ``hall_availability(caller, month)`` -> ``HallMonth`` (``month`` ``YYYY-MM``)
- ``request_hall(caller, payload: RequestHall)`` -> ``HallBooking`` (account holders only)
- ``get_hall_booking(caller, reference)`` -> ``HallBooking`` (its requester, or agents)
- ``cancel_hall_booking(caller, reference)`` -> ``HallBooking``: its requester withdraws a
  request not answered yet (``Conflict`` once accepted or refused; ``NotFound`` to anyone else)
- agents (``agent_vie_pratique`` or ``admin``): ``list_hall_bookings(caller, status=None)`` ->
  list of ``AgentHallBooking``; ``decide_hall_booking(caller, booking_id, payload:
  HallDecision)`` -> ``AgentHallBooking``; ``get_hall_insurance(caller, booking_id)`` ->
  ``contracts.requests.Photo``-shaped file (``content_type``, base64 ``data``)

Events (exchange ``requests.events``): ``fee_due`` when a request is accepted (billing makes it
an invoice payable online; notifications tells the requester), ``hall_booking_refused`` with
the reason (notifications).

Consumes ``billing.invoice_paid``: when its ``reference`` is a booking's (``SDF-…``), the
booking is marked paid (``paid_at``); ``billing.invoice_cancelled``: the régie cancelled an
accepted booking's invoice, the booking is ``annulee_mairie`` and its date free again.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts import fields_fr as fr
from contracts.base import Event
from contracts.requests import SERVICE as REQUESTS_SERVICE

SERVICE = REQUESTS_SERVICE

FEE_DUE = "fee_due"
HALL_BOOKING_REFUSED = "hall_booking_refused"
DECISIONS = ("acceptee", "refusee")
EVENT_KINDS = {
    "mariage": "Mariage",
    "anniversaire": "Anniversaire",
    "fete_familiale": "Fête familiale",
    "association": "Manifestation associative",
    "autre": "Autre événement",
}
"""The kinds of event a request names (the form's choices; the service checks them)."""
PERIOD_LABELS = {
    "matin": "Matinée (8 h – 13 h 30)",
    "apres_midi": "Après-midi et soirée (14 h – 23 h)",
    "journee": "Journée entière (8 h – 2 h le lendemain)",
}
"""How the town rents the hall; the service holds the hours behind each label."""


def euros(cents: int) -> str:
    """An amount the French way: « 1 000,00 € » (narrow no-break space between thousands)."""
    return f"{cents // 100:,}".replace(",", "\u202f") + f",{cents % 100:02d} €"


class Upload(Schema):
    class Meta:
        unknown = EXCLUDE

    filename = fields.String(load_default="")
    data = fields.String(required=True, error_messages=fr.MESSAGES)


class RequestHall(Schema):
    class Meta:
        unknown = EXCLUDE

    day = fields.Date(
        required=True, error_messages={**fr.MESSAGES, "invalid": "Date attendue (jj/mm/aaaa)."}
    )
    period = fr.text(max_length=20)
    event_kind = fr.text(max_length=30)
    guests = fields.Integer(
        required=True, strict=False, error_messages={**fr.MESSAGES, "invalid": "Nombre attendu."}
    )
    resident = fields.Boolean(load_default=False)
    requester = fr.text(max_length=200)
    email = fr.email()
    insurance = fields.Nested(Upload, load_default=None, allow_none=True)


class HallDecision(Schema):
    class Meta:
        unknown = EXCLUDE

    decision = fr.choice(DECISIONS)
    reason = fr.text(max_length=2000, required=False, load_default="")


class HallBooking(Schema):
    reference = fields.String(required=True)
    day = fields.Date(required=True)
    period = fields.String(required=True)
    period_label = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    event_kind = fields.String(required=True)
    event_kind_label = fields.String(required=True)
    guests = fields.Integer(required=True)
    resident = fields.Boolean(required=True)
    amount_cents = fields.Integer(required=True)
    deposit_cents = fields.Integer(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    paid_at = fields.AwareDateTime(
        allow_none=True,
        load_default=None,
        format="iso",
        metadata={"description": "when billing announced the rent's invoice paid"},
    )
    reason = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True, format="iso")


class AgentHallBooking(HallBooking):
    id = fields.Integer(required=True)
    requester = fields.String(required=True)
    email = fields.String(required=True)
    insurance_filename = fields.String(required=True)


class HallDay(Schema):
    day = fields.Date(required=True)
    free = fields.List(fields.String(), required=True, metadata={"description": "periods free"})
    weekend = fields.Boolean(required=True)


class HallPrice(Schema):
    resident = fields.Boolean(required=True)
    weekend = fields.Boolean(required=True)
    full_day = fields.Boolean(required=True)
    amount_cents = fields.Integer(required=True)


class HallPeriod(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class HallMonth(Schema):
    month = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    days = fields.List(fields.Nested(HallDay), required=True)
    periods = fields.List(fields.Nested(HallPeriod), required=True)
    prices = fields.List(fields.Nested(HallPrice), required=True)
    deposit_cents = fields.Integer(required=True)


class FeeDue(Event):
    """A fee to pay online (billing turns it into an invoice for ``account_id``)."""

    redacted_once_published = ("email",)

    reference = fields.String(required=True)
    account_id = fields.String(required=True)
    email = fields.String(required=True)
    label = fields.String(required=True)
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    due_date = fields.Date(required=True)
    issued_at = fields.AwareDateTime(required=True, format="iso")


class HallBookingRefused(Event):
    redacted_once_published = ("email", "reason")

    reference = fields.String(required=True)
    account_id = fields.String(load_default=None, allow_none=True)
    email = fields.String(required=True)
    day = fields.Date(required=True)
    period_label = fields.String(required=True)
    reason = fields.String(required=True)
