"""Rules of public-space reports, free of nameko and SQLAlchemy.

Functions take a ``reports`` store (``repository.Reports`` in the service, a fake in unit
tests) and return plain objects, so every rule can be tested without a database.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from contracts.demarches import ESPACE_PUBLIC
from contracts.errors import Conflict, Invalid, NotFound
from contracts.requests import CATEGORIES, EXPECTED_DAYS, MAX_PHOTOS, STATUSES, TOO_MANY_PHOTOS
from requests_service import reopening

PARIS = ZoneInfo("Europe/Paris")
INITIAL_STATUS = ESPACE_PUBLIC.initial_status
TRANSITIONS = ESPACE_PUBLIC.transitions
"""Allowed status changes, from the report's definition (:mod:`contracts.demarches`)."""

TRACKING_NOT_FOUND = "Aucun signalement ne correspond à ce numéro et à cette clé de suivi."
REPORT_NOT_FOUND = "Ce signalement n'existe pas."
NO_PHOTO = "Ce signalement n'a pas de photo à cette place."


class Reports(Protocol):
    """The storage the rules need."""

    def next_sequence(self, year: int) -> int: ...
    def add(self, **fields: Any) -> Any: ...
    def add_status_change(self, report: Any, **fields: Any) -> Any: ...
    def get(self, report_id: int) -> Any | None: ...
    def lock(self, report_id: int) -> Any | None: ...
    def find_by_number(self, tracking_number: str) -> Any | None: ...


def categories() -> list[dict]:
    """The categories a citizen can choose, in display order."""
    return [{"code": code, "label": label} for code, label in CATEGORIES.items()]


def tracking_number(year: int, sequence: int) -> str:
    """``ESP-<year>-<6 digits>``: short enough to read over the phone."""
    return f"{ESPACE_PUBLIC.prefix}-{year}-{sequence:06d}"


def new_tracking_key() -> str:
    """The secret that makes a tracking link private (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def submit_report(
    reports: Reports, caller: dict, data: dict, photos: list[Any], now: datetime
) -> Any:
    """Store a new report, numbered in the Paris year of ``now``, with its first history row
    and its photos (already re-encoded), numbered from 1 in the order sent."""
    year = now.astimezone(PARIS).year
    report = reports.add(
        tracking_number=tracking_number(year, reports.next_sequence(year)),
        tracking_key=new_tracking_key(),
        category=data["category"],
        address=data["address"],
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        description=data["description"],
        email=data["email"],
        account_id=caller.get("account_id"),
        status=INITIAL_STATUS,
        submitted_at=now,
        updated_at=now,
        photos=photos,
    )
    reports.add_status_change(
        report, status=INITIAL_STATUS, comment="", changed_by=None, changed_at=now
    )
    return report


def find_tracked_report(reports: Reports, number: Any, key: Any) -> Any:
    """The report behind a tracking link; a wrong key looks exactly like an unknown number."""
    return find_by_tracking_link(reports, number, key, TRACKING_NOT_FOUND)


def find_by_tracking_link(store: Any, number: Any, key: Any, not_found: str) -> Any:
    """What ``store`` holds under ``number`` if ``key`` is its tracking key; NotFound with
    ``not_found`` otherwise. The key is compared in constant time, even for an unknown number."""
    found = store.find_by_number(number) if isinstance(number, str) else None
    expected = found.tracking_key if found is not None else new_tracking_key()
    given = key if isinstance(key, str) else ""
    if not hmac.compare_digest(expected.encode(), given.encode()) or found is None:
        raise NotFound(not_found)
    return found


def uploads_of(data: dict) -> list[dict]:
    """The photos of a submission, the single ``photo`` of older clients first; Invalid past
    ``MAX_PHOTOS`` (the schema checks it too: this holds whoever calls)."""
    single = data.pop("photo", None)
    uploads = ([single] if single is not None else []) + list(data.pop("photos", None) or [])
    if len(uploads) > MAX_PHOTOS:
        raise Invalid(TOO_MANY_PHOTOS, {"photos": [TOO_MANY_PHOTOS]})
    return uploads


def photo_at(report: Any, position: Any) -> Any:
    """The photo at ``position`` (1 to ``MAX_PHOTOS``); NotFound for none or a bad position."""
    valid = isinstance(position, int) and not isinstance(position, bool)
    found = [photo for photo in report.photos if valid and photo.position == position]
    if not found:
        raise NotFound(NO_PHOTO)
    return found[0]


def get_report(reports: Reports, report_id: Any, for_change: bool = False) -> Any:
    """The report with ``report_id``; NotFound for an unknown or malformed id.

    ``for_change`` locks it until the end of the transaction, so that two agents changing
    the same report are served one after the other: the second sees the first's status.
    """
    valid = isinstance(report_id, int) and not isinstance(report_id, bool)
    find = reports.lock if for_change else reports.get
    report = find(report_id) if valid else None
    if report is None:
        raise NotFound(REPORT_NOT_FOUND)
    return report


def status_filter(status: Any) -> str | None:
    """The status an agent's list is restricted to (None: every status)."""
    if status is None or status in STATUSES:
        return status
    raise Invalid("Le filtre est invalide.", {"status": ["Choix inconnu."]})


def check_transition(current: str, new: str) -> None:
    """Refuse a change to the same status or along a transition that does not exist."""
    if new == current:
        raise Conflict(f"Le signalement est déjà au statut « {STATUSES[current]} ».")
    if new not in TRANSITIONS[current]:
        raise Conflict(
            f"Un signalement « {STATUSES[current]} » ne peut pas passer à « {STATUSES[new]} »."
        )


def change_status(reports: Reports, report: Any, caller: dict, data: dict, now: datetime) -> str:
    """Move ``report`` to ``data["status"]`` with a history row; returns the previous status."""
    previous = report.status
    check_transition(previous, data["status"])
    report.status = data["status"]
    report.updated_at = now
    reports.add_status_change(
        report,
        status=data["status"],
        comment=data.get("comment", ""),
        changed_by=caller.get("account_id"),
        changed_at=now,
    )
    return previous


def history_view(change: Any) -> dict:
    return {
        "status": change.status,
        "status_label": STATUSES[change.status],
        "comment": change.comment,
        "changed_at": change.changed_at,
    }


def report_view(report: Any) -> dict:
    """Everything the report schemas dump; each schema keeps only the fields it declares."""
    return {
        "id": report.id,
        "tracking_number": report.tracking_number,
        "tracking_key": report.tracking_key,
        "category": report.category,
        "category_label": CATEGORIES[report.category],
        "address": report.address,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "description": report.description,
        "email": report.email,
        "account_id": report.account_id,
        "status": report.status,
        "status_label": STATUSES[report.status],
        "has_photo": bool(report.photos),
        "photo_count": len(report.photos),
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
        "history": [history_view(change) for change in report.history],
        "assigned_to": report.assigned_to,
        "assigned_name": report.assigned_name,
        "reopenable_until": reopening.reopenable_until(report),
        "expected_by": report.submitted_at.astimezone(PARIS).date()
        + timedelta(days=EXPECTED_DAYS[report.category]),
    }


def submitted_event(report: Any) -> dict:
    """Data of ``report_submitted`` (without envelope)."""
    view = report_view(report)
    return {**view, "report_id": view["id"]}


def status_changed_event(report: Any, previous_status: str) -> dict:
    """Data of ``report_status_changed`` (without envelope), about the latest history row."""
    view = report_view(report)
    latest = view["history"][-1]
    return {
        **view,
        "report_id": view["id"],
        "previous_status": previous_status,
        "comment": latest["comment"],
        "changed_at": latest["changed_at"],
        "followers": [follower.email for follower in report.followers],
        "unsubscribe_keys": {
            follower.email: follower.unsubscribe_key
            for follower in report.followers
            if follower.unsubscribe_key
        },
    }
