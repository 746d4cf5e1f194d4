"""Server-side sessions: opened at each login, resolved on each request, revocable.

The cookie holds the token; the database holds its SHA-256. A session ends after
``IDLE_TIMEOUT`` without a request or ``ABSOLUTE_TIMEOUT`` after the login, whichever comes
first (ANSSI and OWASP advise both bounds for a service holding personal data).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts import tokens
from contracts.errors import Forbidden, NotFound

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often, not on every page."""

SESSION_ENDED = "Votre session a expiré : reconnectez-vous."

REAUTH_WINDOW = timedelta(minutes=5)
"""How long a FranceConnect re-authentication allows a sensitive change."""
CLOCK_SKEW = timedelta(minutes=1)
REAUTH_REQUIRED = (
    "Pour des raisons de sécurité, confirmez d'abord votre identité avec FranceConnect, "
    "puis recommencez dans les 5 minutes."
)
REAUTH_REFUSED = (
    "Cette identification FranceConnect ne confirme pas votre identité : "
    "utilisez l'identité liée à votre compte et recommencez."
)


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
        reauthenticated_at=None,
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
    if not is_active(row, now) or not can_log_in(row.account):
        raise NotFound(SESSION_ENDED)
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def can_log_in(account: Any) -> bool:
    """Neither closed nor disabled by an administrator."""
    return account.closed_at is None and account.disabled_at is None


def revoke(row: Any, now: datetime) -> None:
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def revoke_all(store: Any, account: Any, now: datetime) -> None:
    """End every session of ``account`` (password reset or change, new e-mail, closing)."""
    for row in store.sessions(account):
        revoke(row, now)


def _own_active_session(store: Any, account: Any, token: Any, now: datetime) -> Any:
    row = store.find_session(tokens.token_hash(token)) if isinstance(token, str) else None
    if row is None or row.account_id != account.id or not is_active(row, now):
        return None
    return row


def record_reauthentication(
    store: Any, account: Any, token: Any, sub: str, auth_time: datetime, now: datetime
) -> None:
    """Remember on the caller's session that FranceConnect authenticated its owner again.

    The gateway verified the id_token (``prompt=login``); this checks it is the identity
    linked to the account and that the authentication is recent.
    """
    link = account.franceconnect
    recent = now - REAUTH_WINDOW <= auth_time <= now + CLOCK_SKEW
    row = _own_active_session(store, account, token, now)
    if link is None or link.sub != sub or not recent or row is None:
        raise Forbidden(REAUTH_REFUSED)
    row.reauthenticated_at = auth_time


def check_recent_proof(store: Any, account: Any, token: Any, now: datetime) -> None:
    """An account without password proves who is there by a recent FranceConnect login.

    Accounts with a password give it instead (``domain.check_current_password``).
    """
    if account.password_hash is not None:
        return
    row = _own_active_session(store, account, token, now)
    proved_at = row.reauthenticated_at if row is not None else None
    if proved_at is None or proved_at < now - REAUTH_WINDOW:
        raise Forbidden(REAUTH_REQUIRED)
