"""E-mails about passport and identity-card appointments (``contracts.appointments``): the
confirmation, a move, a cancellation and the reminder the day before, each with the manage
link and a calendar file (``rendez-vous.ics``) that updates the citizen's agenda.

The file keeps one ``UID`` per appointment and its ``SEQUENCE`` grows with each change, so a
calendar replaces the event when moved and removes it when cancelled (``METHOD:CANCEL``).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlsplit

from icalendar import Calendar, Event

from contracts import appointments
from notifications.domain import Attachment, Mail, paris_time

TEMPLATES = {
    appointments.APPOINTMENT_BOOKED: "appointment_booked",
    appointments.APPOINTMENT_MOVED: "appointment_moved",
    appointments.APPOINTMENT_CANCELLED: "appointment_cancelled",
    appointments.APPOINTMENT_REMINDER_DUE: "appointment_reminder",
    appointments.APPOINTMENT_SLOT_OFFERED: "appointment_slot_offered",
}
LOCATION = "Mairie de Caluire-et-Cuire, service des passeports et cartes d'identité"


def manage_link(public_url: str, reference: str, key: str) -> str:
    """``{public_url}/rendez-vous/gerer/<reference>?cle=<key>``."""
    base = public_url.rstrip("/")
    return f"{base}/rendez-vous/gerer/{quote(reference, safe='')}?cle={quote(key, safe='')}"


def calendar_file(event: dict, public_url: str, cancelled: bool = False) -> Attachment:
    """The appointment as an iCalendar file (RFC 5545), in UTC."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ville de Caluire-et-Cuire//Portail citoyen//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    entry = Event()
    host = urlsplit(public_url).hostname or "localhost"
    entry.add("uid", f"{event['reference']}@{host}")
    entry.add("sequence", event["sequence"])
    entry.add("dtstamp", _as_datetime(event["occurred_at"]))
    entry.add("dtstart", _as_datetime(event["starts_at"]))
    entry.add("dtend", _as_datetime(event["ends_at"]))
    entry.add("summary", f"Rendez-vous en mairie : {event['type_label']}")
    entry.add("location", f"{LOCATION} ({event['desk_label']})")
    entry.add(
        "description",
        f"Référence {event['reference']}. Déplacer ou annuler : "
        + manage_link(public_url, event["reference"], event["manage_key"]),
    )
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(entry)
    return Attachment("rendez-vous.ics", "text/calendar", calendar.to_ical())


def appointment_mail(event_type: str, event: dict, public_url: str) -> Mail:
    """The e-mail of an appointment event, with the calendar file."""
    cancelled = event_type == appointments.APPOINTMENT_CANCELLED
    previous = event.get("previous_starts_at")
    context = {
        "reference": event["reference"],
        "type_label": event["type_label"],
        "desk_label": event["desk_label"],
        "at": paris_time(_as_datetime(event["starts_at"])),
        "previous_at": paris_time(_as_datetime(previous)) if previous else "",
        "manage_link": manage_link(public_url, event["reference"], event["manage_key"]),
        "location": LOCATION,
    }
    if event_type == appointments.APPOINTMENT_SLOT_OFFERED:
        context["until"] = paris_time(_as_datetime(event["hold_expires_at"]))
        return Mail(TEMPLATES[event_type], event["email"], context)
    attachment = calendar_file(event, public_url, cancelled)
    return Mail(TEMPLATES[event_type], event["email"], context, (attachment,))


def _as_datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
