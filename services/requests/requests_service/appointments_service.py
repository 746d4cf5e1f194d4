"""Entrypoints of passport and identity-card appointments (``contracts.appointments``), mixed
into ``RequestsService``: load, authorize, decide (``appointments_domain``), store with its
event, dump. A timer announces tomorrow's appointments once each, whatever the replicas.
"""

from __future__ import annotations

from datetime import date, timedelta

from nameko.rpc import rpc
from nameko.timer import timer

from chassis import config, identity
from chassis.types import utcnow
from contracts import appointments as contract
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Conflict, Invalid, NotFound
from requests_service import appointments_domain as domain
from requests_service import appointments_office as office
from requests_service import appointments_waitlist as waitlist
from requests_service.appointments_calendar import (
    DESKS,
    TYPES,
    free_slots,
    holiday_name,
    paris_day_bounds,
)
from requests_service.appointments_repository import Appointments

REMINDER_INTERVAL = float(config.setting("APPOINTMENT_TIMER_SECONDS", "60"))
"""Seconds between two looks for tomorrow's appointments to remind and for lapsed holds
(``APPOINTMENT_TIMER_SECONDS``, 60 by default; the end-to-end tests use a few seconds)."""


def parse_day(value) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid("Le formulaire contient des erreurs.", {"day": ["Date invalide."]}) from None


def event_data(appointment, **extra) -> dict:
    return {**domain.appointment_view(appointment), **extra}


class AppointmentEntrypoints:
    """Needs the ``db`` and ``outbox`` dependencies of the service it is mixed into."""

    @rpc(expected_exceptions=EXPECTED)
    def list_appointment_types(self, caller):
        identity.load(caller)
        return contract.AppointmentTypeInfo(many=True).dump(list(TYPES.values()))

    @rpc(expected_exceptions=EXPECTED)
    def list_free_slots(self, caller, type, day):
        """The free slots of ``type`` on ``day`` within the booking window (DaySlots)."""
        identity.load(caller)
        kind, day, now = domain.appointment_type(type), parse_day(day), utcnow()
        first, last = domain.booking_window(now)
        slots, next_free = [], None
        if first <= day <= last:
            # One read for the day and the days after it, so that a full or closed day can
            # point at the next one with a free slot.
            horizon = min(last, day + timedelta(days=contract.NEXT_FREE_DAY_SEARCH))
            start, end = paris_day_bounds(day)[0], paris_day_bounds(horizon)[1]
            with self.db.session() as session:
                store = Appointments(session)
                taken, blocks = store.taken_between(start, end), store.blocks_between(start, end)
            slots = [
                {**vars(slot), "desk_label": DESKS[slot.desk].label}
                for slot in free_slots(day, kind, taken, blocks)
            ]
            later = (day + timedelta(days=n) for n in range(1, (horizon - day).days + 1))
            if not slots:
                next_free = next((d for d in later if free_slots(d, kind, taken, blocks)), None)
        result = {"type": kind.code, "day": day, "first_day": first, "last_day": last}
        result |= {"closed_reason": holiday_name(day), "slots": slots, "next_free_day": next_free}
        return contract.DaySlots().dump(result)

    @rpc(expected_exceptions=EXPECTED)
    def book_appointment(self, caller, payload):
        """Book a free slot for a citizen, anonymous or logged in (BookAppointment)."""
        who = identity.load(caller)
        return self._book(who, payload, by_agent=False)

    @rpc(expected_exceptions=EXPECTED)
    def book_appointment_at_counter(self, caller, payload):
        """Book on behalf of a citizen at the counter (agents; today allowed)."""
        who = office.require_agent(identity.load(caller))
        return self._book(who, payload, by_agent=True)

    def _book(self, who: dict, payload, by_agent: bool) -> dict:
        data = load_or_invalid(contract.BookAppointment(), payload)
        with self.db.session() as session:
            store = Appointments(session)
            try:
                appointment = domain.book(store, who, data, utcnow(), by_agent)
            except domain.SlotTaken:
                raise Conflict(domain.SLOT_TAKEN) from None
            event = event_data(appointment)
            self.outbox.add(
                session, contract.APPOINTMENT_BOOKED, contract.AppointmentBooked(), event
            )
            view = domain.appointment_view(appointment)
        return contract.ManagedAppointment().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def get_managed_appointment(self, caller, reference, key):
        identity.load(caller)
        with self.db.session() as session:
            view = domain.appointment_view(
                domain.find_managed(Appointments(session), reference, key)
            )
        return contract.ManagedAppointment().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def move_appointment(self, caller, reference, key, payload):
        """Move to another free slot in one transaction (MoveAppointment)."""
        identity.load(caller)
        data = load_or_invalid(contract.MoveAppointment(), payload)
        with self.db.session() as session:
            store = Appointments(session)
            appointment = domain.find_managed(store, reference, key, for_change=True)
            freed = (appointment.kind, appointment.desk, appointment.starts_at, appointment.ends_at)
            try:
                previous = domain.move(
                    store, appointment, data["desk"], data["starts_at"], utcnow()
                )
            except domain.SlotTaken:
                raise Conflict(domain.SLOT_TAKEN) from None
            event = event_data(appointment, previous_starts_at=previous)
            self.outbox.add(session, contract.APPOINTMENT_MOVED, contract.AppointmentMoved(), event)
            self._offer(store, *freed)
            view = domain.appointment_view(appointment)
        return contract.ManagedAppointment().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_appointment(self, caller, reference, key):
        identity.load(caller)
        with self.db.session() as session:
            store = Appointments(session)
            appointment = domain.find_managed(store, reference, key, for_change=True)
            domain.cancel(appointment, utcnow())
            event = event_data(appointment)
            self.outbox.add(
                session, contract.APPOINTMENT_CANCELLED, contract.AppointmentCancelled(), event
            )
            store.save(appointment)
            freed = (appointment.kind, appointment.desk, appointment.starts_at, appointment.ends_at)
            self._offer(store, *freed)
            view = domain.appointment_view(appointment)
        return contract.ManagedAppointment().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def list_day_appointments(self, caller, day, desk=None):
        """A day's appointments, cancelled ones included, optionally one desk (AgentDay)."""
        office.require_agent(identity.load(caller))
        day = parse_day(day)
        with self.db.session() as session:
            found = Appointments(session).on_day(*paris_day_bounds(day), desk or None)
            views = [domain.appointment_view(item) for item in found]
        return contract.AgentDay().dump({"day": day, "desk": desk, "appointments": views})

    @rpc(expected_exceptions=EXPECTED)
    def mark_appointment(self, caller, appointment_id, status):
        """Note that the person came (``presente``) or not (``absente``)."""
        office.require_agent(identity.load(caller))
        with self.db.session() as session:
            found = Appointments(session).get(appointment_id, for_change=True)
            if found is None:
                raise NotFound(domain.NOT_FOUND)
            office.mark_attendance(found, status, utcnow())
            view = domain.appointment_view(found)
        return contract.AgentAppointment().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def block_appointment_slots(self, caller, payload):
        """Close a stretch to bookings: one desk's slot, or every desk (a closure day)."""
        agent = office.require_agent(identity.load(caller))
        data = load_or_invalid(contract.BlockSlots(), payload)
        with self.db.session() as session:
            store = Appointments(session)
            block = store.add_block(**office.block_fields(agent, data, utcnow()))
            kept = [
                domain.appointment_view(item)
                for item in store.on_day(block.starts_at, block.ends_at, block.desk)
                if item.status in domain.ACTIVE
            ]
        return contract.AgentAppointment(many=True).dump(kept)

    @rpc(expected_exceptions=EXPECTED)
    def no_show_statistics(self, caller, year):
        """Per month of ``year``: appointments, present, absent, cancelled."""
        office.require_agent(identity.load(caller))
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            raise Invalid("Le filtre est invalide.", {"year": ["Année invalide."]})
        with self.db.session() as session:
            counts = Appointments(session).month_counts(year)
        return contract.MonthStatistics(many=True).dump(office.month_statistics(counts))

    @rpc(expected_exceptions=EXPECTED)
    def join_waiting_list(self, caller, payload):
        """Be told first come, first served when a slot of a full week is freed."""
        who = identity.load(caller)
        data = load_or_invalid(contract.JoinWaitingList(), payload)
        with self.db.session() as session:
            entry = waitlist.join(Appointments(session), who, data, utcnow())
            view = {"type": entry.kind, "week_start": entry.week_start, "status": entry.status}
        return contract.WaitingListEntry().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def confirm_held_appointment(self, caller, reference, key, ants_number=""):
        """Book the slot held for someone of the waiting list, before the hold lapses."""
        identity.load(caller)
        with self.db.session() as session:
            store = Appointments(session)
            held = domain.find_managed(store, reference, key, for_change=True)
            waitlist.confirm(store, held, ants_number, utcnow())
            self.outbox.add(
                session,
                contract.APPOINTMENT_BOOKED,
                contract.AppointmentBooked(),
                event_data(held),
            )
            view = domain.appointment_view(held)
        return contract.ManagedAppointment().dump(view)

    def _offer(self, store: Appointments, kind, desk, starts_at, ends_at) -> None:
        """Hold a freed slot for the first person waiting, in the caller's transaction."""
        try:
            held = waitlist.offer(store, kind, desk, starts_at, ends_at, utcnow())
        except domain.SlotTaken:  # a move to an overlapping time on the same desk frees less
            return
        if held is not None:
            self.outbox.add(
                store.session,
                contract.APPOINTMENT_SLOT_OFFERED,
                contract.AppointmentSlotOffered(),
                event_data(held),
            )

    @timer(interval=REMINDER_INTERVAL)
    def release_lapsed_holds(self):
        """Holds not confirmed in time go to the next person waiting (or back to everyone)."""
        now = utcnow()
        with self.db.session() as session:
            store = Appointments(session)
            lapsed = store.lapsed_holds(now)
            for held in lapsed:
                waitlist.lapse(store, held, now)
                session.flush()
                self._offer(store, held.kind, held.desk, held.starts_at, held.ends_at)
        return len(lapsed)

    @timer(interval=REMINDER_INTERVAL)
    def remind_tomorrows_appointments(self):
        """Announce each of tomorrow's appointments once (``appointment_reminder_due``)."""
        now = utcnow()
        with self.db.session() as session:
            claimed = Appointments(session).claim_reminders(*domain.reminder_window(now), now)
            for appointment in claimed:
                self.outbox.add(
                    session,
                    contract.APPOINTMENT_REMINDER_DUE,
                    contract.AppointmentReminderDue(),
                    event_data(appointment),
                )
        return len(claimed)
