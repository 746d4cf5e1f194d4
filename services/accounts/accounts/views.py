"""What the service answers: accounts, session identities and data exports as plain dicts,
shaped for the schemas of :mod:`contracts.accounts`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

PROFILE_FIELDS = ("civility", "given_name", "family_name", "street", "postal_code", "city", "phone")


def account_view(account: Any) -> dict:
    """An account as ``contracts.accounts.Account`` (never its password hash)."""
    return {
        "id": account.id,
        "kind": account.kind,
        "email": account.email,
        "email_verified": account.email_verified,
        **{name: getattr(account, name) for name in PROFILE_FIELDS},
        "email_notifications": account.email_notifications,
        "has_password": account.password_hash is not None,
        "franceconnect_linked": account.franceconnect is not None,
        "roles": list(account.roles or []),
        "created_at": account.created_at,
        "disabled": account.disabled_at is not None,
    }


def display_name(account: Any) -> str:
    return f"{account.given_name} {account.family_name}".strip() or account.email


def identity_view(account: Any, via_franceconnect: bool) -> dict:
    """Who a session belongs to (``SessionIdentity``): the gateway builds the caller from it."""
    return {
        "account_id": account.id,
        "kind": account.kind,
        "roles": list(account.roles or []),
        "family_id": None,
        "email": account.email,
        "display_name": display_name(account),
        "via_franceconnect": via_franceconnect,
    }


def opened_view(token: str, account: Any, via_franceconnect: bool) -> dict:
    """A new session (``SessionOpened``): the token for the cookie and who it belongs to."""
    return {"session_token": token, "identity": identity_view(account, via_franceconnect)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_view(account: Any, sessions: list, now: datetime) -> dict:
    """Everything the portal keeps about the account (``AccountExport``), for the citizen."""
    link = account.franceconnect
    franceconnect = None
    if link is not None:
        franceconnect = {"identity": dict(link.identity), "linked_at": _iso(link.linked_at)}
    return {
        "account": account_view(account),
        "franceconnect": franceconnect,
        "sessions": [
            {
                "created_at": _iso(row.created_at),
                "last_seen_at": _iso(row.last_seen_at),
                "expires_at": _iso(row.expires_at),
                "revoked_at": _iso(row.revoked_at),
                "via_franceconnect": row.via_franceconnect,
                "client_ip": row.client_ip,
            }
            for row in sessions
        ],
        "exported_at": now,
    }
