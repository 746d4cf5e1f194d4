"""The public read of public-space reports (``contracts.open311``): which reports a window
selects, and what of them may be published. Free of nameko.

A window is ``start``..``end``; without dates it is the last 90 days, and it is never wider
than 90 days (GeoReport v2's default and limit). Tracking numbers asked by name are found
whatever their date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contracts.errors import Invalid
from contracts.open311 import MAX_REPORTS, WINDOW_DAYS
from contracts.requests import CATEGORIES, EXPECTED_DAYS
from requests_service.models import Report

CLOSED = frozenset({"resolu", "rejete"})
TOO_WIDE = f"La période demandée dépasse {WINDOW_DAYS} jours."


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The window of a list; Invalid when wider than ``WINDOW_DAYS`` or reversed."""
    span = timedelta(days=WINDOW_DAYS)
    end = end or (start + span if start else now)
    start = start or end - span
    if end < start:
        raise Invalid(
            "La période demandée est invalide.", {"end_date": ["Avant la date de début."]}
        )
    if end - start > span:
        raise Invalid(TOO_WIDE, {"end_date": [TOO_WIDE]})
    return start, end


def find(session: Session, filters: dict, now: datetime) -> list[Report]:
    """The reports ``filters`` (``PublicReportFilters``) select, newest first."""
    query = select(Report).options(selectinload(Report.history))
    if filters["tracking_numbers"]:
        query = query.where(Report.tracking_number.in_(filters["tracking_numbers"]))
    else:
        start, end = window(filters["start"], filters["end"], now)
        query = query.where(Report.submitted_at >= start, Report.submitted_at <= end)
    if filters["service_code"]:
        query = query.where(Report.category == filters["service_code"])
    if filters["status"] == "closed":
        query = query.where(Report.status.in_(CLOSED))
    elif filters["status"] == "open":
        query = query.where(Report.status.not_in(CLOSED))
    query = query.order_by(Report.submitted_at.desc(), Report.id.desc()).limit(MAX_REPORTS)
    return list(session.scalars(query))


def public_view(report: Any) -> dict:
    """What ``contracts.open311.PublicReport`` dumps: nothing the author typed but the place."""
    notes = [change.comment for change in report.history if change.comment]
    return {
        "tracking_number": report.tracking_number,
        "category": report.category,
        "category_label": CATEGORIES[report.category],
        "status": "closed" if report.status in CLOSED else "open",
        "status_notes": notes[-1] if notes else "",
        "address": report.address,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
        "expected_at": report.submitted_at + timedelta(days=EXPECTED_DAYS[report.category]),
    }
