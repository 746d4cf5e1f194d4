"""A resolved public-space report reopened by its author, within 30 days of its resolution.

The author (whoever holds the tracking link) says why; the report goes back to ``en_cours``
with that reason as the step's comment, and ``report_status_changed`` tells the town.
Free of nameko and SQLAlchemy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from contracts.errors import Conflict

REOPEN_DAYS = 30
RESOLVED, REOPENED = "resolu", "en_cours"
NOT_REOPENABLE = (
    f"Ce signalement ne peut plus être rouvert : seul un signalement résolu depuis moins de "
    f"{REOPEN_DAYS} jours peut l'être. Faites un nouveau signalement."
)


def reopenable_until(report: Any) -> datetime | None:
    """Until when the author may reopen ``report`` (None: it is not resolved)."""
    if report.status != RESOLVED:
        return None
    return report.updated_at + timedelta(days=REOPEN_DAYS)


def reopen(reports: Any, report: Any, who: dict, reason: str, now: datetime) -> str:
    """Move a report resolved less than 30 days ago back to ``en_cours``; the previous
    status."""
    until = reopenable_until(report)
    if until is None or now > until:
        raise Conflict(NOT_REOPENABLE)
    report.status, report.updated_at = REOPENED, now
    reports.add_status_change(
        report,
        status=REOPENED,
        comment=f"Rouvert par l'auteur : {reason}",
        changed_by=who.get("account_id"),
        changed_at=now,
    )
    return RESOLVED
