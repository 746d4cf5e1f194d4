"""Rules of citizen accounts, free of nameko and SQLAlchemy: registration, e-mail addresses,
profile, closing and export. Login and passwords are in :mod:`accounts.credentials`,
FranceConnect in :mod:`accounts.franceconnect`, agents in :mod:`accounts.agents`.

Functions take a ``store`` (``repository.Accounts`` in the service, a fake in unit tests) and
an ``emit(event_type, data)`` that adds an event to the current transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from accounts import sessions, throttle, tokens
from accounts.passwords import hasher
from accounts.views import PROFILE_FIELDS, account_view, export_view
from contracts import accounts as events
from contracts.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PortalError,
    TooManyRequests,
)
from contracts.password_policy import policy_errors

Emit = Callable[[str, dict], None]

LOGIN_REQUIRED = "Connectez-vous pour accéder à votre compte."
LINK_INVALID = "Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau."
EMAIL_TAKEN = "Cette adresse e-mail est déjà celle d'un autre compte."
WRONG_PASSWORD = "Mot de passe actuel incorrect."
FORM_ERRORS = "Le formulaire contient des erreurs."


class Store(Protocol):
    """The storage the rules need (see ``repository.Accounts``)."""

    def add(self, **fields: Any) -> Any: ...
    def get(self, account_id: str) -> Any | None: ...
    def find_by_email(self, email: str) -> Any | None: ...
    def agents(self) -> list: ...
    def find_link(self, sub: str) -> Any | None: ...
    def link(self, account: Any, *, sub: str, identity: dict, now: datetime) -> None: ...
    def unlink(self, account: Any) -> None: ...
    def add_token(self, account: Any, **fields: Any) -> Any: ...
    def find_token(self, token_hash: str, purposes: Any) -> Any | None: ...
    def tokens(self, account: Any, purpose: str) -> list: ...
    def delete_tokens(self, account: Any) -> None: ...
    def forget_in_event_copies(self, values: Iterable[str]) -> None: ...
    def add_session(self, account: Any, **fields: Any) -> Any: ...
    def find_session(self, token_hash: str) -> Any | None: ...
    def sessions(self, account: Any) -> list: ...
    def find_throttle(self, key: str) -> Any | None: ...
    def throttle(self, key: str) -> Any: ...


@dataclass
class Outcome:
    """A result or a refusal decided after writes that must be kept (failure counters)."""

    value: Any = None
    error: PortalError | None = None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, email: str, field: str = "password") -> None:
    """Invalid, with what the password lacks, unless it follows the policy."""
    errors = policy_errors(password, email)
    if errors:
        raise Invalid(FORM_ERRORS, {field: errors})


def check_current_password(store: Store, account: Any, password: str, now: datetime) -> Outcome:
    """Ask for the current password before a sensitive change (none for FranceConnect only).

    Wrong answers count under ``current-password:<id>``: after five in 15 minutes the change is
    refused for 15 minutes, so a stolen session cannot be used to guess the password. The
    refusal is an :class:`Outcome` so that the count is committed.
    """
    if account.password_hash is None:
        return Outcome()
    key = f"current-password:{account.id}"
    if throttle.is_blocked(store.find_throttle(key), now):
        refusal = TooManyRequests(throttle.TOO_MANY, throttle.CURRENT_PASSWORD.retry_after)
        return Outcome(error=refusal)
    if not hasher.verify(account.password_hash, password):
        throttle.count(store.throttle(key), throttle.CURRENT_PASSWORD, now)
        return Outcome(error=Invalid(FORM_ERRORS, {"current_password": [WRONG_PASSWORD]}))
    return Outcome()


def caller_account(store: Store, caller: dict) -> Any:
    """The open account of a logged-in caller; Forbidden without one."""
    account = store.get(caller["account_id"]) if caller.get("account_id") else None
    if account is None or account.closed_at is not None:
        raise Forbidden(LOGIN_REQUIRED)
    return account


def issue_token(
    store: Store,
    account: Any,
    purpose: str,
    lifetime: timedelta,
    now: datetime,
    new_email: str | None = None,
) -> tuple[str, datetime]:
    """A new single-use link token; returns (plaintext, expiry)."""
    token = tokens.new_token()
    expires_at = now + lifetime
    store.add_token(
        account,
        purpose=purpose,
        token_hash=tokens.token_hash(token),
        new_email=new_email,
        created_at=now,
        expires_at=expires_at,
        used_at=None,
    )
    return token, expires_at


def send_verification(store: Store, emit: Emit, account: Any, now: datetime) -> None:
    """Announce ``account_registered`` with a fresh link to confirm the address."""
    token, expires_at = issue_token(
        store, account, tokens.VERIFY_EMAIL, tokens.VERIFICATION_LIFETIME, now
    )
    emit(
        events.ACCOUNT_REGISTERED,
        {
            "account_id": account.id,
            "email": account.email,
            "given_name": account.given_name,
            "verification_token": token,
            "expires_at": expires_at,
            "email_notifications": account.email_notifications,
        },
    )


def register(store: Store, emit: Emit, data: dict, now: datetime) -> dict:
    """Create a citizen account, or tell the owner of the address; the same answer for both.

    Each registration e-mails an address nobody has confirmed yet: they count per address of
    the visitor and per e-mail typed (``TooManyRequests`` past the limit), before any hashing.
    """
    email = normalize_email(data["email"])
    keys = {
        throttle.ip_key("register-ip", data.get("client_ip") or ""): throttle.REGISTER_PER_IP,
        throttle.hashed_key("register-email", email): throttle.REGISTER_PER_EMAIL,
    }
    for key, limit in keys.items():
        if not throttle.allow(store.throttle, key, limit, now):
            raise TooManyRequests(throttle.TOO_MANY_MAILS, limit.retry_after)
    check_password(data["password"], email)
    password_hash = hasher.hash(data["password"])
    existing = store.find_by_email(email)
    if existing is not None:
        payload = {"account_id": existing.id, "email": existing.email}
        emit(events.DUPLICATE_REGISTRATION_ATTEMPTED, payload)
        return {"email": email}
    profile = {name: data.get(name) or "" for name in PROFILE_FIELDS}
    account = store.add(
        **{**profile, "civility": data.get("civility") or None},
        kind="citizen",
        email=email,
        email_verified=False,
        password_hash=password_hash,
        email_notifications=data["email_notifications"],
        roles=[],
        created_at=now,
        closed_at=None,
        disabled_at=None,
    )
    send_verification(store, emit, account, now)
    return {"email": email}


def verify_email(store: Store, emit: Emit, token: Any, client_ip: str, now: datetime) -> Outcome:
    """Confirm an address from its link (new account or new e-mail); failures count per IP."""
    key = throttle.ip_key("verify-ip", client_ip)
    if key and throttle.is_blocked(store.find_throttle(key), now):
        return Outcome(error=Forbidden(throttle.TOO_MANY))
    purposes = (tokens.VERIFY_EMAIL, tokens.CHANGE_EMAIL)
    row = store.find_token(tokens.token_hash(token), purposes) if isinstance(token, str) else None
    if not tokens.is_usable(row, now) or row.account.closed_at is not None:
        if key:
            throttle.count(store.throttle(key), throttle.VERIFY_PER_IP, now)
        return Outcome(error=NotFound(LINK_INVALID))
    row.used_at = now
    account = row.account
    if row.purpose == tokens.CHANGE_EMAIL:
        move_email(store, emit, account, row.new_email, now)
    account.email_verified = True
    return Outcome(account_view(account))


def move_email(store: Store, emit: Emit, account: Any, new_email: str, now: datetime) -> None:
    """Give the account its confirmed new address; every session ends."""
    holder = store.find_by_email(new_email)
    if holder is not None and holder.id != account.id:
        raise Conflict(EMAIL_TAKEN)
    previous, account.email = account.email, new_email
    sessions.revoke_all(store, account, now)
    payload = {"account_id": account.id, "previous_email": previous, "email": new_email}
    emit(events.ACCOUNT_EMAIL_CHANGED, payload)


def change_email(store: Store, emit: Emit, account: Any, data: dict, now: datetime) -> Outcome:
    """Send a confirmation link to the new address; silently nothing if it is taken."""
    checked = check_current_password(store, account, data["current_password"], now)
    if checked.error:
        return checked
    sessions.check_recent_proof(store, account, data.get("session_token"), now)
    new_email = normalize_email(data["new_email"])
    if new_email == account.email or store.find_by_email(new_email) is not None:
        return checked
    token, expires_at = issue_token(
        store, account, tokens.CHANGE_EMAIL, tokens.VERIFICATION_LIFETIME, now, new_email
    )
    payload = {"account_id": account.id, "new_email": new_email}
    emit(
        events.EMAIL_CHANGE_REQUESTED,
        {**payload, "verification_token": token, "expires_at": expires_at},
    )
    return Outcome()


def update_profile(account: Any, data: dict) -> None:
    for name, value in data.items():
        setattr(account, name, value or ("" if name != "civility" else None))


def update_preferences(emit: Emit, account: Any, data: dict) -> None:
    if account.email_notifications != data["email_notifications"]:
        account.email_notifications = data["email_notifications"]
        payload = {"account_id": account.id, "email_notifications": account.email_notifications}
        emit(events.NOTIFICATION_PREFERENCES_CHANGED, payload)


def close_account(store: Store, emit: Emit, account: Any, data: dict, now: datetime) -> Outcome:
    """Anonymize the account (the row stays for the town's records) and end its sessions."""
    checked = check_current_password(store, account, data["current_password"], now)
    if checked.error:
        return checked
    sessions.check_recent_proof(store, account, data.get("session_token"), now)
    address = account.email
    account.email = f"closed-{account.id}@invalid"
    for name in ("given_name", "family_name", "street", "postal_code", "city", "phone"):
        setattr(account, name, "")
    account.civility, account.password_hash, account.franceconnect = None, None, None
    account.email_notifications, account.roles, account.closed_at = False, [], now
    store.delete_tokens(account)
    sessions.revoke_all(store, account, now)
    for row in store.sessions(account):
        row.client_ip = ""
    store.forget_in_event_copies([address])
    emit(events.ACCOUNT_CLOSED, {"account_id": account.id, "email": address})
    return Outcome()


def export_data(store: Store, account: Any, now: datetime) -> dict:
    return export_view(account, store.sessions(account), now)
