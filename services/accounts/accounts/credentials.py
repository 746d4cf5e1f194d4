"""Rules of passwords: login, forgotten password, password change.

None of the answers tells whether an account exists: a wrong password and an unknown e-mail
give the same refusal, with the same argon2 work and the same throttling; a reset request
always answers the same. Failed attempts are counted in the store, and the counts must be
kept even though the call is refused: these functions return an :class:`Outcome` that the
service raises only after committing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import sessions, throttle, tokens
from accounts.domain import (
    Emit,
    Outcome,
    Store,
    caller_account,
    check_current_password,
    check_password,
    issue_token,
    normalize_email,
    send_verification,
)
from accounts.passwords import hasher
from accounts.views import opened_view
from contracts import accounts as events
from contracts.errors import Forbidden, NotFound

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
EMAIL_NOT_VERIFIED = "Confirmez d'abord votre adresse e-mail : un lien vous a été envoyé."
RESET_LINK_INVALID = (
    "Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau."
)


def login(store: Store, emit: Emit, data: dict, now: datetime) -> Outcome:
    """Open a new session when the password is right, the address confirmed and no limit hit."""
    email = normalize_email(data["email"])
    account = store.find_by_email(email)
    keys = [throttle.account_key(account, email), throttle.ip_key("ip", data["client_ip"])]
    keys = [key for key in keys if key]
    if any(throttle.is_blocked(store.find_throttle(key), now) for key in keys):
        return Outcome(error=Forbidden(throttle.TOO_MANY))
    password_hash = account.password_hash if account is not None else None
    if not hasher.verify(password_hash, data["password"]):
        limits = (throttle.LOGIN_PER_ACCOUNT, throttle.LOGIN_PER_IP)
        for key, limit in zip(keys, limits, strict=False):
            throttle.count(store.throttle(key), limit, now)
        return Outcome(error=Forbidden(LOGIN_FAILED))
    throttle.clear(store.throttle(keys[0]))
    if hasher.needs_rehash(password_hash):
        account.password_hash = hasher.hash(data["password"])
    if not account.email_verified:
        send_verification(store, emit, account, now)
        return Outcome(error=Forbidden(EMAIL_NOT_VERIFIED))
    token = sessions.open_session(
        store, account, now, via_franceconnect=False, client_ip=data["client_ip"]
    )
    return Outcome(opened_view(token, account, via_franceconnect=False))


def _allowed(store: Store, key: str | None, limit: throttle.Limit, now: datetime) -> bool:
    """Count one request under ``key``; False when the key was already blocked."""
    if key is None:
        return True
    row = store.throttle(key)
    if throttle.is_blocked(row, now):
        return False
    throttle.count(row, limit, now)
    return True


def request_password_reset(store: Store, emit: Emit, data: dict, now: datetime) -> dict:
    """E-mail a reset link if the account exists and the limits allow; always the same answer."""
    ip_allowed = _allowed(
        store, throttle.ip_key("reset-ip", data["client_ip"]), throttle.RESET_PER_IP, now
    )
    account = store.find_by_email(normalize_email(data["email"]))
    if account is None or not ip_allowed:
        return {}
    if not _allowed(store, f"reset-account:{account.id}", throttle.RESET_PER_ACCOUNT, now):
        return {}
    send_reset_link(store, emit, account, "forgotten_password", tokens.RESET_LIFETIME, now)
    return {}


def send_reset_link(
    store: Store, emit: Emit, account: Any, reason: str, lifetime: Any, now: datetime
) -> None:
    """Announce ``password_reset_requested`` with a new link (reset or agent invitation)."""
    token, expires_at = issue_token(store, account, tokens.RESET_PASSWORD, lifetime, now)
    emit(
        events.PASSWORD_RESET_REQUESTED,
        {
            "account_id": account.id,
            "email": account.email,
            "reset_token": token,
            "expires_at": expires_at,
            "reason": reason,
        },
    )


def reset_password(store: Store, emit: Emit, data: dict, now: datetime) -> dict:
    """Set a new password from a reset link; every session ends and nobody is logged in."""
    row = store.find_token(tokens.token_hash(data["token"]), (tokens.RESET_PASSWORD,))
    if not tokens.is_usable(row, now) or row.account.closed_at is not None:
        raise NotFound(RESET_LINK_INVALID)
    account = row.account
    check_password(data["password"], account.email)
    for pending in store.tokens(account, tokens.RESET_PASSWORD):
        pending.used_at = pending.used_at or now
    account.password_hash = hasher.hash(data["password"])
    account.email_verified = True
    sessions.revoke_all(store, account, now)
    throttle.clear(store.throttle(throttle.account_key(account, account.email)))
    emit(events.PASSWORD_CHANGED, {"account_id": account.id, "email": account.email})
    return {}


def change_password(store: Store, emit: Emit, caller: dict, data: dict, now: datetime) -> dict:
    """Replace the password; every session ends and a new one replaces the caller's."""
    account = caller_account(store, caller)
    check_current_password(account, data["current_password"])
    check_password(data["new_password"], account.email, "new_password")
    current = store.find_session(tokens.token_hash(data["session_token"]))
    if current is not None and current.account_id != account.id:
        current = None
    via_franceconnect = bool(current is not None and current.via_franceconnect)
    client_ip = current.client_ip if current is not None else ""
    account.password_hash = hasher.hash(data["new_password"])
    sessions.revoke_all(store, account, now)
    token = sessions.open_session(
        store, account, now, via_franceconnect=via_franceconnect, client_ip=client_ip
    )
    emit(events.PASSWORD_CHANGED, {"account_id": account.id, "email": account.email})
    return opened_view(token, account, via_franceconnect)
