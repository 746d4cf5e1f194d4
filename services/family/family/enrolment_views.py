"""What leaves the service about enrolments: the ``attendance_changed`` event, the offer of
activities with each day's deadline, the planning and its private ``.ics`` feed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import icalendar

from contracts.dates_fr import paris_today
from family import rollover
from family.activities import ACTIVITIES, Activity, place_of
from family.deadlines import PARIS, french_moment
from family.enrolment import Outcome
from family.models import Booking

FEED_DAYS_BACK, FEED_DAYS_AHEAD = 31, 366


def attendance_event(
    family: Any,
    child: Any,
    activity: Activity,
    outcome: Outcome,
    changed_by: str,
    account_ids: list[str],
    now: datetime,
) -> dict:
    """``attendance_changed`` as contracts.family_activities.AttendanceChanged says."""
    return {
        "family_id": family.identifier,
        "child_id": str(child.id),
        "child_first_name": child.first_name,
        "child_birth_date": child.birth_date,
        "activity": activity.code,
        "activity_label": activity.label,
        "added": sorted(outcome.added),
        "removed": sorted(outcome.removed),
        "absences": [
            {"date": day, "justified": day in outcome.justified} for day in sorted(outcome.absent)
        ],
        "unbooked_presences": sorted(outcome.unbooked_presences),
        "changed_at": now,
        "changed_by": changed_by,
        "account_ids": account_ids,
        "waiting_list_promotion": False,
    }


def promotion_event(child: Any, activity: Activity, entry: Any, accounts: list, now) -> dict:
    """The days of a waiting entry, booked for its child: announced as the family's change."""
    outcome = Outcome(added=list(entry.days))
    event = attendance_event(child.family, child, activity, outcome, "famille", accounts, now)
    return {**event, "waiting_list_promotion": True}


def offer(repo: Any, child: Any, activity: Activity, window: list[date], now: datetime) -> dict:
    """An activity as the page shows it: its rule, and each coming day with its deadline."""
    closed = repo.closed_days(window[0], window[-1]) if window else {}
    days = [d for d in window if activity.runs_on(d) and d not in closed]
    place = place_of(
        activity, child.school, child.birth_date, days[0] if days else paris_today(now)
    )
    booked = repo.booked_days(child.id, activity.code)
    waiting = {d for e in repo.waiting_of_child(child.id, activity.code) for d in e.days}
    counters = repo.slots(activity.code, place, days) if place else {}
    return {
        "activity": activity.code,
        "label": activity.label,
        "hours": f"{activity.starts:%H:%M} – {activity.ends:%H:%M}",
        "place": place,
        "rule": activity.deadline.label,
        "after_deadline": activity.after_deadline,
        "by_week": activity.by_week,
        "days": []
        if place is None
        else [_day(activity, d, booked, waiting, counters.get(d), now) for d in days],
    }


def _day(activity, day, booked, waiting, counter, now) -> dict:
    deadline = activity.deadline.deadline(day)
    left = activity.capacity if counter is None else counter.capacity - counter.booked
    status = "reserve" if day in booked else "attente" if day in waiting else "libre"
    return {
        "date": day,
        "status": status,
        "deadline": deadline,
        "deadline_label": french_moment(deadline),
        "open": now < deadline,
        "places_left": left,
    }


def planning(repo: Any, child: Any, start: date, end: date, now: datetime) -> dict:
    bookings, absences, waiting = repo.planning(child.id, start, end)
    days = [
        _planned(
            ACTIVITIES[b.activity],
            b.day,
            "absent" if (b.activity, b.day) in absences else "reserve",
            now,
        )
        for b in bookings
    ]
    days += [
        _planned(ACTIVITIES[e.activity], d, "attente", now)
        for e in waiting
        for d in e.days
        if start <= d <= end
    ]
    days.sort(key=lambda item: (item["date"], item["starts"]))
    return {
        "child_id": child.id,
        "child_first_name": child.first_name,
        "start": start,
        "end": end,
        "days": days,
    }


def _planned(activity: Activity, day: date, status: str, now: datetime) -> dict:
    deadline = activity.deadline.deadline(day)
    return {
        "date": day,
        "activity": activity.code,
        "label": activity.label,
        "starts": f"{activity.starts:%H:%M}",
        "ends": f"{activity.ends:%H:%M}",
        "status": status,
        "deadline": deadline,
        "open": now < deadline,
    }


def attendance_list(repo: Any, activity: Activity, day: date) -> dict:
    """An agent's list of the children expected at ``activity`` on ``day``, per place."""
    rows, absent, counters = repo.attendance(activity.code, day)
    places: dict[str, dict] = {}
    for booking, child, family_id in rows:
        justified, has_certificate = absent.get(child.id, (False, False))
        counter = counters.get(booking.place)
        place = places.setdefault(
            booking.place,
            {
                "place": booking.place,
                "capacity": counter.capacity if counter else activity.capacity,
                "booked": counter.booked if counter else 0,
                "children": [],
            },
        )
        place["children"].append(
            {
                "family_id": family_id,
                "first_name": child.first_name,
                "last_name": child.last_name,
                "class_name": child.class_name,
                "child_id": child.id,
                "absent": child.id in absent,
                "justified": justified,
                "has_certificate": has_certificate,
                "unbooked": not isinstance(booking, Booking),
            }
        )
    return {
        "activity": activity.code,
        "label": activity.label,
        "day": day,
        "places": list(places.values()),
    }


def ics_feed(repo: Any, child: Any, now: datetime, unpublished: set[str] = frozenset()) -> str:
    """The child's booked days (not those on the waiting list, nor absences, nor the days of
    a school year not yet published) as iCalendar."""
    today = now.astimezone(PARIS).date()
    start, end = today - timedelta(days=FEED_DAYS_BACK), today + timedelta(days=FEED_DAYS_AHEAD)
    bookings, absences, _ = repo.planning(child.id, start, end)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Ville de Caluire-et-Cuire//Portail citoyen//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Activités de {child.first_name}")
    hidden = set(rollover.hidden_days([b.day for b in bookings], unpublished))
    for booking in bookings:
        if (booking.activity, booking.day) in absences or booking.day in hidden:
            continue
        activity = ACTIVITIES[booking.activity]
        event = icalendar.Event()
        key = f"{child.id}-{booking.activity}-{booking.day.isoformat()}"
        event.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, key)}@portail-citoyen")
        event.add("summary", f"{activity.label} ({child.first_name})")
        event.add("location", booking.place)
        event.add("dtstart", datetime.combine(booking.day, activity.starts, tzinfo=PARIS))
        event.add("dtend", datetime.combine(booking.day, activity.ends, tzinfo=PARIS))
        event.add("dtstamp", booking.booked_at)
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
