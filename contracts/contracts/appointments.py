"""Contracts of passport and identity-card appointments (service ``requests``).

RPC, each taking ``caller`` (contracts.identity.Caller) first:

- ``list_appointment_types(caller)`` -> list of ``AppointmentTypeInfo``
- ``list_free_slots(caller, type, day)`` -> ``DaySlots`` (``day`` ISO date)
- ``book_appointment(caller, payload: BookAppointment)`` -> ``ManagedAppointment``
- ``get_managed_appointment(caller, reference, key)`` -> ``ManagedAppointment``
- ``move_appointment(caller, reference, key, payload: MoveAppointment)`` -> ``ManagedAppointment``
- ``cancel_appointment(caller, reference, key)`` -> ``ManagedAppointment``
- agents (role ``agent_etat_civil`` or ``admin``): ``list_day_appointments(caller, day,
  desk=None)`` -> ``AgentDay``; ``book_appointment_at_counter(caller, payload)`` (today allowed);
  ``mark_appointment(caller, appointment_id, status)`` (``presente`` | ``absente``);
  ``block_appointment_slots(caller, payload: BlockSlots)``; ``no_show_statistics(caller,
  year)`` -> list of ``MonthStatistics``

Waiting list: ``join_waiting_list(caller, payload: JoinWaitingList)`` -> ``WaitingListEntry``;
``confirm_held_appointment(caller, reference, key, ants_number)`` -> ``ManagedAppointment``.

Events (exchange ``requests.events``), consumed by notifications: ``appointment_booked``,
``appointment_moved``, ``appointment_cancelled``, ``appointment_reminder_due`` (the day
before, once per appointment), ``appointment_slot_offered`` (a freed slot held for someone
of the waiting list).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from contracts import fields_fr as fr
from contracts.base import Event
from contracts.requests import SERVICE as REQUESTS_SERVICE

SERVICE = REQUESTS_SERVICE  # appointments live in, and are published by, requests

APPOINTMENT_BOOKED = "appointment_booked"
APPOINTMENT_MOVED = "appointment_moved"
APPOINTMENT_CANCELLED = "appointment_cancelled"
APPOINTMENT_REMINDER_DUE = "appointment_reminder_due"
APPOINTMENT_SLOT_OFFERED = "appointment_slot_offered"

ATTENDANCE_STATUSES = ("presente", "absente")


def aware(**kw) -> fields.AwareDateTime:
    return fields.AwareDateTime(
        format="iso", error_messages={**fr.MESSAGES, "invalid": "Horaire invalide."}, **kw
    )


class AppointmentTypeInfo(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    minutes = fields.Integer(required=True)
    needs_pre_application = fields.Boolean(required=True)


class FreeSlot(Schema):
    desk = fields.String(required=True)
    desk_label = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")


class DaySlots(Schema):
    """The free slots of a type on a day, with the days a citizen may book."""

    type = fields.String(required=True)
    day = fields.Date(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    closed_reason = fields.String(allow_none=True)
    slots = fields.List(fields.Nested(FreeSlot), required=True)


class MoveAppointment(Schema):
    class Meta:
        unknown = EXCLUDE

    desk = fr.text(max_length=20)
    starts_at = aware(required=True)


class BookAppointment(MoveAppointment):
    """A booking; the gateway prefills ``email`` and names from the account, if any."""

    type = fr.text(max_length=20)
    email = fr.email()
    first_name = fr.text(max_length=100)
    last_name = fr.text(max_length=100)
    ants_number = fields.String(load_default="", validate=lambda v: len(v) <= 40)


class JoinWaitingList(Schema):
    """Be told when a slot of ``type`` is freed in the week of ``day``."""

    class Meta:
        unknown = EXCLUDE

    type = fr.text(max_length=20)
    day = fields.Date(required=True, error_messages={**fr.MESSAGES, "invalid": "Date invalide."})
    email = fr.email()
    first_name = fr.text(max_length=100)
    last_name = fr.text(max_length=100)


class WaitingListEntry(Schema):
    type = fields.String(required=True)
    week_start = fields.Date(required=True)
    status = fields.String(required=True)


class BlockSlots(Schema):
    """A stretch no one may book: one desk, or every desk when ``desk`` is empty."""

    class Meta:
        unknown = EXCLUDE

    desk = fields.String(load_default=None, allow_none=True)
    starts_at = aware(required=True)
    ends_at = aware(required=True)
    reason = fr.text(max_length=200)


class Appointment(Schema):
    """An appointment as its holder sees it."""

    reference = fields.String(required=True)
    type = fields.String(required=True)
    type_label = fields.String(required=True)
    desk = fields.String(required=True)
    desk_label = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    ants_number = fields.String(required=True)


class ManagedAppointment(Appointment):
    """With the key of the manage link (``manage_path``), given to whoever booked it."""

    manage_key = fields.String(required=True)
    manage_path = fields.String(required=True)
    hold_expires_at = fields.AwareDateTime(
        allow_none=True, format="iso", metadata={"description": "a held slot: confirm before"}
    )


class AgentAppointment(Appointment):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    booked_by = fields.String(required=True)


class AgentDay(Schema):
    day = fields.Date(required=True)
    desk = fields.String(allow_none=True)
    appointments = fields.List(fields.Nested(AgentAppointment), required=True)


class MonthStatistics(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    booked = fields.Integer(required=True)
    present = fields.Integer(required=True)
    absent = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)


REDACTED = ("manage_key", "email", "first_name", "last_name")


class AppointmentFacts(Schema):
    """What every appointment event carries (not an event by itself)."""

    reference = fields.String(required=True)
    manage_key = fields.String(required=True)
    email = fields.String(required=True)
    account_id = fields.String(load_default=None, allow_none=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    type = fields.String(required=True)
    type_label = fields.String(required=True)
    desk_label = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso")
    ends_at = fields.AwareDateTime(required=True, format="iso")
    sequence = fields.Integer(
        required=True, metadata={"description": "changes so far, the calendar file's SEQUENCE"}
    )


class AppointmentBooked(AppointmentFacts, Event):
    redacted_once_published = REDACTED


class AppointmentMoved(AppointmentFacts, Event):
    redacted_once_published = REDACTED

    previous_starts_at = fields.AwareDateTime(required=True, format="iso")


class AppointmentCancelled(AppointmentFacts, Event):
    redacted_once_published = REDACTED


class AppointmentSlotOffered(AppointmentFacts, Event):
    """A freed slot held for the first person of a week's waiting list, until ``hold_expires_at``."""

    redacted_once_published = REDACTED

    hold_expires_at = fields.AwareDateTime(required=True, format="iso")


class AppointmentReminderDue(AppointmentFacts, Event):
    """The day before the appointment; published once per appointment."""

    redacted_once_published = REDACTED
