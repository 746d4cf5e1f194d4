"""Entrypoints of the salle des fêtes (``contracts.hall``), mixed into ``RequestsService``:
availability, requests with their insurance certificate, their withdrawal by the requester,
and the agent's decision, whose acceptance publishes ``fee_due`` for billing in the same
transaction that blocks the date. ``billing.invoice_paid`` for a booking's fee marks it paid
(once per ``event_id``).
"""

from __future__ import annotations

import base64
import calendar
from datetime import date

from nameko.rpc import rpc

from chassis import identity
from chassis.events import handle_event
from chassis.types import utcnow
from contracts import billing
from contracts import hall as contract
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Conflict, Forbidden, Invalid, NotFound
from requests_service import hall_domain as domain
from requests_service import hall_insurance
from requests_service.hall_repository import HallBookings


def parse_month(value) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        raise Invalid("Le filtre est invalide.", {"month": ["Mois invalide."]}) from None


class HallEntrypoints:
    """Needs the ``db`` and ``outbox`` dependencies of the service it is mixed into."""

    @rpc(expected_exceptions=EXPECTED)
    def hall_availability(self, caller, month):
        """Each day of ``month`` with its free periods, the prices and the request window."""
        identity.load(caller)
        first = parse_month(month)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        start, _ = domain.period_bounds(first, domain.PERIODS["matin"])
        _, end = domain.period_bounds(last, domain.PERIODS["journee"])
        with self.db.session() as session:
            taken = HallBookings(session).accepted_between(start, end)
            spans = [(b.starts_at, b.ends_at) for b in taken]
        days = [
            {"day": day, "free": domain.free_periods(day, spans), "weekend": domain.is_weekend(day)}
            for day in (first.replace(day=number) for number in range(1, last.day + 1))
        ]
        window = domain.request_window(utcnow())
        return contract.HallMonth().dump(
            {
                "month": f"{first:%Y-%m}",
                "first_day": window[0],
                "last_day": window[1],
                "days": days,
                "periods": [{"code": p.code, "label": p.label} for p in domain.PERIODS.values()],
                "prices": domain.price_table(),
                "deposit_cents": domain.DEPOSIT_CENTS,
            }
        )

    @rpc(expected_exceptions=EXPECTED)
    def request_hall(self, caller, payload):
        """Record an account holder's request with its insurance certificate (RequestHall)."""
        who = identity.load(caller)
        data = load_or_invalid(contract.RequestHall(), payload)
        if not who.get("account_id"):
            raise Forbidden(domain.LOGIN_REQUIRED)
        domain.check_request(data, utcnow())
        certificate = hall_insurance.prepare(data.pop("insurance"))
        with self.db.session() as session:
            booking = domain.request_hall(HallBookings(session), who, data, certificate, utcnow())
            view = domain.booking_view(booking)
        return contract.HallBooking().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_hall_booking(self, caller, reference):
        who = identity.load(caller)
        booking_id = domain.parse_reference(reference)
        with self.db.session() as session:
            found = HallBookings(session).get(booking_id) if booking_id else None
            view = domain.booking_view(domain.visible_to(found, who, reference))
        return contract.HallBooking().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_hall_booking(self, caller, reference):
        """The requester withdraws a request the town has not answered yet."""
        who = identity.load(caller)
        booking_id = domain.parse_reference(reference)
        with self.db.session() as session:
            store = HallBookings(session)
            found = store.get(booking_id, for_change=True) if booking_id else None
            booking = domain.own(found, who, reference)
            domain.cancel(booking, utcnow())
            view = domain.booking_view(booking)
        return contract.HallBooking().dump(view)

    @handle_event(billing.SERVICE, billing.INVOICE_PAID, billing.InvoicePaid)
    def on_invoice_paid(self, session, event):
        """The rent of a booking is paid: other invoices (no ``SDF-`` reference) are ignored."""
        domain.mark_paid(_booking_of(session, event), event["occurred_at"])

    @handle_event(billing.SERVICE, billing.INVOICE_CANCELLED, billing.InvoiceCancelled)
    def on_invoice_cancelled(self, session, event):
        """The régie cancelled the rent's invoice: the accepted booking is cancelled."""
        domain.cancel_by_town(_booking_of(session, event), event["occurred_at"])

    @rpc(expected_exceptions=EXPECTED)
    def list_hall_bookings(self, caller, status=None):
        domain.require_agent(identity.load(caller))
        if status is not None and status not in domain.STATUS_LABELS:
            raise Invalid("Le filtre est invalide.", {"status": ["Choix inconnu."]})
        with self.db.session() as session:
            views = [domain.booking_view(b) for b in HallBookings(session).listing(status)]
        return contract.AgentHallBooking(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def decide_hall_booking(self, caller, booking_id, payload):
        """Accept (blocks the date, publishes ``fee_due``) or refuse with a reason."""
        agent = domain.require_agent(identity.load(caller))
        data = load_or_invalid(contract.HallDecision(), payload)
        with self.db.session() as session:
            store = HallBookings(session)
            booking = (
                store.get(booking_id, for_change=True) if isinstance(booking_id, int) else None
            )
            if booking is None:
                raise NotFound(domain.NOT_FOUND)
            now = utcnow()
            try:
                domain.decide(store, booking, agent, data, now)
            except domain.HallTaken:
                raise Conflict(domain.HALL_TAKEN) from None
            if booking.status == domain.ACCEPTED:
                event = domain.fee_due_event(booking, now)
                self.outbox.add(session, contract.FEE_DUE, contract.FeeDue(), event)
            else:
                event = {**domain.booking_view(booking), "reference": domain.reference(booking)}
                self.outbox.add(
                    session, contract.HALL_BOOKING_REFUSED, contract.HallBookingRefused(), event
                )
            view = domain.booking_view(booking)
        return contract.AgentHallBooking().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_hall_insurance(self, caller, booking_id):
        """The insurance certificate of a request, for agents (base64)."""
        domain.require_agent(identity.load(caller))
        with self.db.session() as session:
            booking = HallBookings(session).get(booking_id) if isinstance(booking_id, int) else None
            if booking is None:
                raise NotFound(domain.NOT_FOUND)
            data = base64.b64encode(booking.insurance_data).decode()
            return {"content_type": booking.insurance_content_type, "data": data}


def _booking_of(session, event: dict):
    """The booking (locked) whose fee the invoice event names; None for any other invoice."""
    booking_id = domain.parse_reference(event.get("reference"))
    if booking_id is None:
        return None
    found = HallBookings(session).get(booking_id, for_change=True)
    return found if found is not None and domain.reference(found) == event["reference"] else None
