"""The events of the accounts service and how a unit of work adds them to the outbox.

    emit = events.emitter(self.outbox, session)
    emit(accounts.ACCOUNT_CLOSED, {"account_id": account.id})

Each event type is written with its schema from :mod:`contracts.accounts`, in the session's
transaction, so it is relayed if and only if the change is committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from accounts.domain import Emit
from contracts import accounts

SCHEMAS = {
    accounts.ACCOUNT_REGISTERED: accounts.AccountRegistered(),
    accounts.DUPLICATE_REGISTRATION_ATTEMPTED: accounts.DuplicateRegistrationAttempted(),
    accounts.PASSWORD_RESET_REQUESTED: accounts.PasswordResetRequested(),
    accounts.PASSWORD_CHANGED: accounts.PasswordChanged(),
    accounts.EMAIL_CHANGE_REQUESTED: accounts.EmailChangeRequested(),
    accounts.ACCOUNT_EMAIL_CHANGED: accounts.AccountEmailChanged(),
    accounts.NOTIFICATION_PREFERENCES_CHANGED: accounts.NotificationPreferencesChanged(),
    accounts.ACCOUNT_CLOSED: accounts.AccountClosed(),
}


def emitter(outbox: Any, session: Session) -> Emit:
    """``emit(event_type, data)`` writing through ``outbox`` (a chassis ``OutboxWriter``)."""

    def emit(event_type: str, data: dict) -> None:
        outbox.add(session, event_type, SCHEMAS[event_type], data)

    return emit
