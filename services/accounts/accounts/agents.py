"""Rules of agent accounts: created by an administrator, invited by e-mail, given roles.

An agent account has no password at first: the invitation is a reset link valid 72 hours
(``password_reset_requested`` with reason ``agent_invitation``); following it sets the
password and confirms the address. Agents then log in like citizens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import sessions, tokens
from accounts.credentials import send_reset_link
from accounts.domain import Emit, Store, check_password, normalize_email
from accounts.passwords import hasher
from chassis import identity
from contracts.errors import Conflict, Invalid, NotFound
from contracts.identity import ROLES

EMAIL_TAKEN = "Un compte existe déjà avec cette adresse e-mail."
AGENT_NOT_FOUND = "Cet agent n'existe pas."
KEEP_OWN_ADMIN = "Vous ne pouvez pas retirer votre propre rôle d'administrateur."
KEEP_OWN_ACCESS = "Vous ne pouvez pas désactiver votre propre compte."
INVITATION = "agent_invitation"
UNKNOWN_ROLE = "Rôle inconnu."


def require_colleague(caller: object, role: object) -> dict:
    """The caller, if an agent of ``role`` or an administrator (Forbidden otherwise, before
    anything about the role is said); Invalid for a role that does not exist."""
    who = identity.require_role(caller, (role, "admin") if isinstance(role, str) else ("admin",))
    if role not in ROLES:
        raise Invalid(UNKNOWN_ROLE, {"role": [UNKNOWN_ROLE]})
    return who


def create_agent(
    store: Store, emit: Emit, data: dict, now: datetime, password: str | None = None
) -> Any:
    """An agent account with ``data["roles"]``; invited by e-mail unless given a password.

    ``password`` is for the command line only (the local run's demo administrator): the
    password is set directly and the address counts as confirmed.
    """
    email = normalize_email(data["email"])
    if store.find_by_email(email) is not None:
        raise Conflict(EMAIL_TAKEN)
    if password is not None:
        check_password(password, email)
    account = store.add(
        kind="agent",
        email=email,
        email_verified=password is not None,
        password_hash=hasher.hash(password) if password is not None else None,
        civility=None,
        given_name=data["given_name"],
        family_name=data["family_name"],
        street="",
        postal_code="",
        city="",
        phone="",
        email_notifications=False,
        roles=sorted(set(data["roles"])),
        created_at=now,
        closed_at=None,
        disabled_at=None,
    )
    if password is None:
        send_reset_link(store, emit, account, INVITATION, tokens.INVITATION_LIFETIME, now)
    return account


def get_agent(store: Store, account_id: Any) -> Any:
    account = store.get(account_id) if isinstance(account_id, str) else None
    if account is None or account.kind != "agent" or account.closed_at is not None:
        raise NotFound(AGENT_NOT_FOUND)
    return account


def set_roles(store: Store, admin: dict, account_id: Any, roles: list[str]) -> Any:
    """Replace an agent's roles; an administrator cannot remove their own ``admin`` role."""
    account = get_agent(store, account_id)
    if account.id == admin["account_id"] and "admin" not in roles:
        raise Conflict(KEEP_OWN_ADMIN)
    account.roles = sorted(set(roles))
    return account


def set_disabled(store: Store, admin: dict, account_id: Any, disabled: bool, now: datetime) -> Any:
    """Disable an agent (every session ends, logins are refused) or enable them again.

    The account, its roles and its history stay: re-enabling gives the same access back.
    An administrator cannot disable their own account.
    """
    account = get_agent(store, account_id)
    if account.id == admin["account_id"] and disabled:
        raise Conflict(KEEP_OWN_ACCESS)
    if disabled and account.disabled_at is None:
        account.disabled_at = now
        sessions.revoke_all(store, account, now)
    elif not disabled:
        account.disabled_at = None
    return account
