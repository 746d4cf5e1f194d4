"""Rules tying reports to their author's account, free of nameko and SQLAlchemy.

A report submitted while logged in carries the caller's ``account_id``: it shows in the
citizen's "Mon espace" timeline. When the account is closed, its reports forget who wrote them
(e-mail and account) and stay, with their history, for the town's records.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from contracts import requests
from contracts.errors import Forbidden

TIMELINE_KIND = "signalement"
ANONYMIZED_EMAIL = ""
"""What a report keeps as its author's e-mail once the account is closed: clearly no address."""

LOGIN_REQUIRED = "Connectez-vous pour retrouver vos demandes."


class AccountReports(Protocol):
    """The storage these rules need."""

    def list_by_account(self, account_id: str) -> list[Any]: ...


def account_of(caller: dict) -> str:
    """The caller's account id; Forbidden for an anonymous caller."""
    if not caller.get("account_id"):
        raise Forbidden(LOGIN_REQUIRED)
    return caller["account_id"]


def tracking_path(report: Any) -> str:
    """The gateway's private tracking page: ``/suivi/<number>?cle=<key>``."""
    number = quote(report.tracking_number, safe="")
    return f"/suivi/{number}?cle={quote(report.tracking_key, safe='')}"


def timeline_entry(report: Any) -> dict:
    """A report as one line of "Mon espace" (``contracts.timeline.TimelineEntry``)."""
    return {
        "service": requests.SERVICE,
        "kind": TIMELINE_KIND,
        "reference": report.tracking_number,
        "title": f"{requests.CATEGORIES[report.category]} – {report.address}",
        "status": report.status,
        "status_label": requests.STATUSES[report.status],
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
        "path": tracking_path(report),
    }


def account_timeline(reports: AccountReports, account_id: str) -> list[dict]:
    """The account's reports, newest first, as timeline entries."""
    return [timeline_entry(report) for report in reports.list_by_account(account_id)]


def forget_author(reports: AccountReports, account_id: str) -> set[str]:
    """Detach a closed account from its reports and drop its e-mail; returns the addresses
    forgotten, for the copies of events that still hold them.

    Running it again finds nothing left to change, so a redelivered event is harmless.
    """
    forgotten = reports.list_by_account(account_id)
    addresses = {report.email for report in forgotten if report.email}
    for report in forgotten:
        report.email = ANONYMIZED_EMAIL
        report.account_id = None
    return addresses
