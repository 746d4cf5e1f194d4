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
from contracts.errors import Forbidden, NotFound, TooManyRequests

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
EMAIL_NOT_VERIFIED = "Confirmez d'abord votre adresse e-mail : un lien vous a été envoyé."
ACCOUNT_DISABLED = "Ce compte est désactivé : adressez-vous à un administrateur de la Ville."
RESET_LINK_INVALID = (
    "Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau."
)


def login(store: Store, emit: Emit, data: dict, now: datetime) -> Outcome:
    """Open a new session when the password is right, the address confirmed and no limit hit."""
    email, client_ip = normalize_email(data["email"]), data["client_ip"]
    account = store.find_by_email(email)
    limits = _login_limits(store, account, email, client_ip)
    if any(throttle.is_blocked(store.find_throttle(key), now) for key in limits):
        return Outcome(error=Forbidden(throttle.TOO_MANY))
    password_hash = account.password_hash if account is not None else None
    if not hasher.verify(password_hash, data["password"]):
        for key, limit in limits.items():
            throttle.count(store.throttle(key), limit, now)
        return Outcome(error=Forbidden(LOGIN_FAILED))
    throttle.clear(store.throttle(throttle.account_ip_key(account, email, client_ip)))
    if hasher.needs_rehash(password_hash):
        account.password_hash = hasher.hash(data["password"])
    if account.disabled_at is not None:
        return Outcome(error=Forbidden(ACCOUNT_DISABLED))
    if not account.email_verified:
        send_verification(store, emit, account, now)
        return Outcome(error=Forbidden(EMAIL_NOT_VERIFIED))
    token = sessions.open_session(store, account, now, via_franceconnect=False, client_ip=client_ip)
    return Outcome(opened_view(token, account, via_franceconnect=False))


def _login_limits(store: Store, account: Any, email: str, client_ip: str) -> dict:
    """The keys a login attempt counts under, with their limits (see ``accounts.throttle``).

    The account-wide key is left out for an address the account already logged in from, so
    failures of strangers elsewhere never lock the owner out of their own device.
    """
    limits = {throttle.account_ip_key(account, email, client_ip): throttle.LOGIN_PER_ACCOUNT_AND_IP}
    if account is None or not store.known_ip(account, client_ip):
        limits[throttle.account_key(account, email)] = throttle.LOGIN_PER_ACCOUNT
    ip = throttle.ip_key("ip", client_ip)
    if ip:
        limits[ip] = throttle.LOGIN_PER_IP
    return limits


def request_password_reset(store: Store, emit: Emit, data: dict, now: datetime) -> dict:
    """E-mail a reset link if the account exists; the same answer either way.

    Requests count per address and per e-mail typed, whether it has an account or not, so a
    refusal (``TooManyRequests``) reveals nothing and nobody can flood a mailbox.
    """
    email = normalize_email(data["email"])
    keys = {
        throttle.ip_key("reset-ip", data["client_ip"]): throttle.RESET_PER_IP,
        throttle.hashed_key("reset-email", email): throttle.RESET_PER_EMAIL,
    }
    for key, limit in keys.items():
        if not throttle.allow(store.throttle, key, limit, now):
            raise TooManyRequests(throttle.TOO_MANY_MAILS, limit.retry_after)
    account = store.find_by_email(email)
    if account is not None:
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
    for row in store.account_throttles(account):
        throttle.clear(row)
    emit(events.PASSWORD_CHANGED, {"account_id": account.id, "email": account.email})
    return {}


def change_password(store: Store, emit: Emit, caller: dict, data: dict, now: datetime) -> Outcome:
    """Replace the password; every session ends and a new one replaces the caller's."""
    account = caller_account(store, caller)
    checked = check_current_password(store, account, data["current_password"], now)
    if checked.error:
        return checked
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
    return Outcome(opened_view(token, account, via_franceconnect))
