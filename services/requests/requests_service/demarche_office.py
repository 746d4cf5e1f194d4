"""Rules of the démarche back office: which requests an agent's queue holds, assignment, and
the log of views of état-civil requests. Free of nameko and SQLAlchemy.

The queue holds the requests of every démarche whose role the agent has (all of them for an
administrator), public-space reports included. "Expected date passed" means still open (a
status that leads somewhere but closing) with its expected date (``expected_by``) before today
in Europe/Paris; a report's expected time is its category's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from chassis import config, retention
from contracts.demarches import CATALOGUE, ESPACE_PUBLIC, GENERIC, Demarche
from contracts.errors import Conflict, Forbidden, Invalid
from contracts.requests import EXPECTED_DAYS
from requests_service import domain as reports_domain
from requests_service.demarche_domain import (
    NOT_YOUR_ROLE,
    answers,
    paris_day,
    request_expected_by,
)
from requests_service.domain import PARIS

OTHER_DEMARCHE = "Cet agent a été choisi pour une autre démarche que celle de la demande."
UNKNOWN_STATUS = "Ce statut n'existe pour aucune de vos démarches."


@dataclass(frozen=True)
class Overdue:
    """A request of ``demarche`` (a report: of ``category``) is late when in ``statuses`` and
    submitted before ``before``."""

    demarche: str
    statuses: frozenset[str]
    before: datetime
    category: str | None = None


@dataclass(frozen=True)
class Criteria:
    """What the repository selects; None means "any"."""

    demarches: tuple[str, ...]
    status: str | None
    submitted_from: datetime | None
    submitted_before: datetime | None
    overdue: tuple[Overdue, ...] | None
    search: str
    assigned_to: str | None
    unassigned: bool


def processed_by(who: dict) -> list[Demarche]:
    """The démarches whose requests ``who`` may see; Forbidden when none."""
    roles = set(who.get("roles") or ())
    mine = [d for d in CATALOGUE.values() if "admin" in roles or d.role in roles]
    if not mine:
        raise Forbidden(NOT_YOUR_ROLE)
    return mine


def paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), PARIS)


def criteria(who: dict, filters: dict, now: datetime) -> Criteria:
    """The selection a queue's ``filters`` (``contracts.demarche_office.QueueFilters``) make."""
    scope = processed_by(who)
    if filters["demarche"] is not None:
        scope = [d for d in scope if d.code == filters["demarche"]]
        if not scope:
            raise Forbidden(NOT_YOUR_ROLE)
    status = filters["status"] or None
    if status is not None and not any(status in d.statuses for d in scope):
        raise Invalid("Le filtre est invalide.", {"status": [UNKNOWN_STATUS]})
    start, end, today = filters["submitted_from"], filters["submitted_to"], paris_day(now)
    overdue = None
    if filters["overdue"]:
        overdue = tuple(rule for d in scope for rule in overdue_rules(d, today))
    return Criteria(
        demarches=tuple(d.code for d in scope),
        status=status,
        submitted_from=paris_midnight(start) if start else None,
        submitted_before=paris_midnight(end + timedelta(days=1)) if end else None,
        overdue=overdue,
        search=filters["search"],
        assigned_to=assigned_to(who, filters),
        unassigned=not filters.get("assigned_to") and filters["assigned"] == "personne",
    )


def overdue_rules(demarche: Demarche, today: date) -> list[Overdue]:
    """When a request of ``demarche`` is late: one rule, or one per category for reports."""

    def rule(days: int, category: str | None = None) -> Overdue:
        before = paris_midnight(today - timedelta(days))
        return Overdue(demarche.code, demarche.open_statuses, before, category)

    if demarche is ESPACE_PUBLIC:
        return [rule(days, category) for category, days in EXPECTED_DAYS.items()]
    return [rule(demarche.expected_days)]


def assigned_to(who: dict, filters: dict) -> str | None:
    """The agent whose requests the queue shows: the one named, or the caller for ``moi``."""
    if filters.get("assigned_to"):
        return filters["assigned_to"]
    return who.get("account_id") if filters["assigned"] == "moi" else None


def assign(request: Any, who: dict, data: dict) -> None:
    """``moi``: the request is the caller's; ``agent``: the colleague ``agent_id`` (the
    gateway offers only the agents of the démarche's role, from the accounts service);
    ``personne``: nobody's. Both under the name the gateway gives. Taking it from another
    agent is allowed: a team hands work over."""
    if data["assignee"] == "moi":
        request.assigned_to = who.get("account_id")
        request.assigned_name = data["assignee_name"]
    elif data["assignee"] == "agent":
        if data["demarche"] != request.demarche:
            raise Conflict(OTHER_DEMARCHE)
        request.assigned_to, request.assigned_name = data["agent_id"], data["assignee_name"]
    else:
        request.assigned_to, request.assigned_name = None, ""


def log_view(store: Any, request: Any, who: dict, now: datetime) -> None:
    """Record that ``who`` opened ``request``, when its démarche logs views."""
    if GENERIC[request.demarche].log_views:
        store.add_view(request, agent_id=who.get("account_id") or "", viewed_at=now)


VIEW_LOG_SETTING = "DEMARCHE_VIEWS_KEPT_DAYS"
VIEW_LOG_KEPT_DAYS = 365


def view_log_kept() -> timedelta:
    """How long an agent's view of an état-civil request is kept: ``DEMARCHE_VIEWS_KEPT_DAYS``
    (a whole number of days, at least 1), a year by default."""
    value = config.setting(VIEW_LOG_SETTING)
    if not value:
        return timedelta(days=VIEW_LOG_KEPT_DAYS)
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise config.SettingError(f"{VIEW_LOG_SETTING} must be a number of days (at least 1)")
    return timedelta(days=days)


def _old_views(metadata, now: datetime):
    rule = retention.older_than("demarche_views", "viewed_at", view_log_kept())
    return rule.statement(metadata, now)


VIEW_LOG_RULE = retention.Rule(f"demarche_views (viewed_at + {VIEW_LOG_SETTING})", _old_views)
"""The hourly purge of the view log; the period is read at each purge."""


def export_row(request: Any) -> dict:
    """What ``contracts.demarche_office.ExportRow`` dumps (no history: one line per request)."""
    demarche = CATALOGUE[request.demarche]
    return {
        "id": request.id,
        "demarche": demarche.code,
        "demarche_title": demarche.title,
        "tracking_number": request.tracking_number,
        "status": request.status,
        "status_label": demarche.statuses[request.status],
        "expected_by": request_expected_by(request),
        "submitted_at": request.submitted_at,
        "updated_at": request.updated_at,
        "fields": answers(request),
        "email": request.email,
        "assigned_name": request.assigned_name or "",
    }


def view_entry(view: Any) -> dict:
    return {
        "agent_id": view.agent_id,
        "request_id": view.request_id,
        "tracking_number": view.request.tracking_number,
        "viewed_at": view.viewed_at,
    }


def change_in_bulk(reports: Any, report: Any, agent: dict, data: dict, now: datetime) -> str:
    """One report of a bulk change; a refusal names the report, and the caller's transaction
    rolls every change back."""
    try:
        return reports_domain.change_status(reports, report, agent, data, now)
    except Conflict as exc:
        raise Conflict(
            f"Aucun signalement modifié. {report.tracking_number} : {exc.message}"
        ) from None
