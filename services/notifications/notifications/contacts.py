"""Rules of the accounts projection and of the citizen's "préférence de notifications par e-mail".

The projection (``models.Contact``) is fed by the ``accounts`` events, which may arrive in any
order (one queue per event type, retries): each fact keeps the ``occurred_at`` of the event
that set it and only a newer or equal event replaces it. Closing an account is final: the
e-mail is forgotten and later events about the account change nothing.

Progress e-mails (``report_status_changed``) of a report made from an account follow that
account's preference. When the projection does not know the account yet (its events have not
arrived), the e-mail is sent: informing the citizen is the safer mistake. Confirmations of a
submission and the account e-mails themselves are always sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def new_contact_fields(account_id: str) -> dict:
    """An account nothing is known about yet: e-mails wanted, as at registration by default."""
    return {
        "account_id": account_id,
        "email": None,
        "email_notifications": True,
        "closed": False,
        "email_as_of": None,
        "preference_as_of": None,
    }


def _is_current(as_of: datetime | None, moment: datetime) -> bool:
    """Whether a fact from ``moment`` is at least as recent as the one recorded ``as_of``."""
    return as_of is None or moment >= as_of


def record_email(contact: Any, email: str, moment: datetime) -> None:
    """The account's e-mail as of ``moment``, unless a newer one is known or it is closed."""
    if contact.closed or not _is_current(contact.email_as_of, moment):
        return
    contact.email = email
    contact.email_as_of = moment


def record_preference(contact: Any, wanted: bool, moment: datetime) -> None:
    """The account's choice of progress e-mails as of ``moment``, with the same ordering rule."""
    if contact.closed or not _is_current(contact.preference_as_of, moment):
        return
    contact.email_notifications = wanted
    contact.preference_as_of = moment


def record_registration(contact: Any, event: dict) -> None:
    """``account_registered`` gives both the e-mail and the initial preference."""
    record_email(contact, event["email"], event["occurred_at"])
    record_preference(contact, event["email_notifications"], event["occurred_at"])


def record_closure(contact: Any) -> None:
    """A closed account gets no more progress e-mails and its address is forgotten."""
    contact.closed = True
    contact.email = None


def progress_email_wanted(event: dict, contact: Any | None) -> bool:
    """Whether to send the progress e-mail of ``event`` (a ``report_status_changed``).

    Never without a recipient (the report's author was anonymized); always for a report made
    without an account; for an account, as its preference says, and yes when it is unknown.
    """
    if not event.get("email"):
        return False
    if not event.get("account_id") or contact is None:
        return True
    return bool(contact.email_notifications) and not contact.closed
