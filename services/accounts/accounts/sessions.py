"""Server-side sessions: opened at each login, resolved on each request, revocable.

The cookie holds the token; the database holds its SHA-256. A session ends after
``IDLE_TIMEOUT`` without a request or ``ABSOLUTE_TIMEOUT`` after the login, whichever comes
first (ANSSI and OWASP advise both bounds for a service holding personal data).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts import tokens
from contracts.errors import NotFound

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often, not on every page."""

SESSION_ENDED = "Votre session a expiré : reconnectez-vous."


def open_session(
    store: Any, account: Any, now: datetime, *, via_franceconnect: bool, client_ip: str = ""
) -> str:
    """A new session for ``account``; returns its token (shown once, never stored)."""
    token = tokens.new_token()
    store.add_session(
        account,
        token_hash=tokens.token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        via_franceconnect=via_franceconnect,
        client_ip=client_ip[:45],
    )
    return token


def is_active(row: Any, now: datetime) -> bool:
    return (
        row is not None
        and row.revoked_at is None
        and now < row.expires_at
        and now < row.last_seen_at + IDLE_TIMEOUT
    )


def resolve(store: Any, token: Any, now: datetime) -> Any:
    """The active session of ``token``, marked as seen; NotFound when it has ended."""
    row = store.find_session(tokens.token_hash(token)) if isinstance(token, str) else None
    if not is_active(row, now) or row.account.closed_at is not None:
        raise NotFound(SESSION_ENDED)
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def revoke(row: Any, now: datetime) -> None:
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def revoke_all(store: Any, account: Any, now: datetime) -> None:
    """End every session of ``account`` (password reset or change, new e-mail, closing)."""
    for row in store.sessions(account):
        revoke(row, now)
