"""Similar reports and their followers: before a new report is made, an open report of the
same category within 50 m is offered to follow instead; a follower gets the report's status
e-mails (``followers`` of ``report_status_changed``), without its author's private link.

Free of nameko and SQLAlchemy.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from contracts.errors import Conflict, NotFound
from contracts.geodesy import box_around, distance_metres
from contracts.requests import CATEGORIES, SIMILAR_WITHIN_METRES, STATUSES
from requests_service.domain import new_tracking_key

OPEN_STATUSES = ("nouveau", "en_cours")
SHOWN = 3
NOT_OPEN = "Ce signalement est déjà traité : vous pouvez faire le vôtre."
UNKNOWN = "Signalement introuvable."
NOT_FOLLOWING = (
    "Ce lien ne correspond à aucun suivi : vous ne suivez peut-être déjà plus ce signalement."
)


def similar_reports(reports: Any, data: dict) -> list[dict]:
    """Open reports of ``data["category"]`` within 50 m of the point, the nearest first."""
    lat, lon = data["latitude"], data["longitude"]
    box = box_around(lat, lon, SIMILAR_WITHIN_METRES)
    found = []
    for report in reports.open_in_box(data["category"], OPEN_STATUSES, box):
        metres = distance_metres(lon, lat, report.longitude, report.latitude)
        if metres <= SIMILAR_WITHIN_METRES:
            found.append({**public_view(report), "distance_metres": round(metres)})
    found.sort(key=lambda view: view["distance_metres"])
    return found[:SHOWN]


def public_view(report: Any) -> dict:
    """What anyone may see of a report to recognise it: nothing its author wrote but the
    place."""
    return {
        "tracking_number": report.tracking_number,
        "category_label": CATEGORIES[report.category],
        "address": report.address,
        "status_label": STATUSES[report.status],
        "submitted_at": report.submitted_at,
    }


def point_view(report: Any) -> dict:
    """A marker of the agents' map: the report's place, category and status."""
    return {
        "id": report.id,
        "tracking_number": report.tracking_number,
        "category": report.category,
        "category_label": CATEGORIES[report.category],
        "status": report.status,
        "status_label": STATUSES[report.status],
        "address": report.address,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "submitted_at": report.submitted_at,
    }


def follow(reports: Any, who: dict, data: dict, now: datetime) -> dict:
    """Add ``data["email"]`` to an open report's followers (once; its author already gets
    the e-mails)."""
    report = reports.find_by_number(data["tracking_number"].strip().upper())
    if report is None:
        raise NotFound(UNKNOWN)
    if report.status not in OPEN_STATUSES:
        raise Conflict(NOT_OPEN)
    email = data["email"]
    known = {follower.email.lower() for follower in report.followers}
    if email.lower() != report.email.lower() and email.lower() not in known:
        key = new_tracking_key()
        reports.add_follower(report, email=email, account_id=who.get("account_id"), at=now, key=key)
    return public_view(report)


def unfollow(reports: Any, data: dict) -> dict:
    """Remove the follower whose unsubscribe key ``data["key"]`` is, from the report
    ``data["tracking_number"]``; NotFound, always the same, for a wrong number or key. Keys are
    compared in constant time."""
    report = reports.find_by_number(data["tracking_number"].strip().upper())
    given = data["key"].encode()
    found = None
    for follower in report.followers if report is not None else []:
        expected = (follower.unsubscribe_key or new_tracking_key()).encode()
        if hmac.compare_digest(expected, given):
            found = follower
    if found is None:
        raise NotFound(NOT_FOLLOWING)
    reports.remove_follower(found)
    return public_view(report)
