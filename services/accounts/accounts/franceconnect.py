"""Rules of FranceConnect: log in with a linked identity, create an account from the identité
pivot, link and unlink.

An identity is matched by its ``sub`` only. It is never linked to an account because the
e-mail addresses match: whoever controls a FranceConnect identity with someone's address
would otherwise take over that person's account. The citizen logs in to the account first,
then links (``link_franceconnect``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import sessions
from accounts.domain import Store, normalize_email
from accounts.views import opened_view
from contracts.errors import Conflict, Invalid

EMAIL_HAS_ACCOUNT = (
    "Un compte existe déjà avec cette adresse e-mail : connectez-vous avec votre mot de passe, "
    "puis liez FranceConnect depuis « Mon compte »."
)
SUB_LINKED_ELSEWHERE = "Cette identité FranceConnect est déjà liée à un autre compte."
ACCOUNT_LINKED_ELSEWHERE = "Votre compte est déjà lié à une autre identité FranceConnect."
ONLY_WAY_IN = (
    "FranceConnect est votre seul moyen de connexion : définissez d'abord un mot de passe."
)
NO_EMAIL = "FranceConnect n'a pas transmis d'adresse e-mail."
CIVILITIES = {"female": "madame", "male": "monsieur"}
"""FranceConnect's ``gender`` to the portal's civility."""


def login(store: Store, identity: dict, client_ip: str, now: datetime) -> dict:
    """A new session for the account linked to ``identity``; a first login creates it."""
    link = store.find_link(identity["sub"])
    if link is not None:
        link.identity = dict(identity)
        account = link.account
    else:
        account = create_account(store, identity, now)
    token = sessions.open_session(store, account, now, via_franceconnect=True, client_ip=client_ip)
    return opened_view(token, account, via_franceconnect=True)


def create_account(store: Store, identity: dict, now: datetime) -> Any:
    """A citizen account prefilled with the identité pivot; its address counts as confirmed."""
    email = normalize_email(identity["email"])
    if not email:
        raise Invalid(NO_EMAIL, {"identity.email": [NO_EMAIL]})
    if store.find_by_email(email) is not None:
        raise Conflict(EMAIL_HAS_ACCOUNT)
    account = store.add(
        kind="citizen",
        email=email,
        email_verified=True,
        password_hash=None,
        civility=CIVILITIES.get(identity["gender"]),
        given_name=identity["given_name"][:100],
        family_name=identity["family_name"][:100],
        street="",
        postal_code="",
        city="",
        phone="",
        email_notifications=True,
        roles=[],
        created_at=now,
        closed_at=None,
        disabled_at=None,
    )
    store.link(account, sub=identity["sub"], identity=dict(identity), now=now)
    return account


def link(store: Store, account: Any, identity: dict, now: datetime) -> None:
    """Tie ``identity`` to the logged-in account (again: nothing changes)."""
    other = store.find_link(identity["sub"])
    if other is not None and other.account_id != account.id:
        raise Conflict(SUB_LINKED_ELSEWHERE)
    current = account.franceconnect
    if current is not None and current.sub != identity["sub"]:
        raise Conflict(ACCOUNT_LINKED_ELSEWHERE)
    if current is None:
        store.link(account, sub=identity["sub"], identity=dict(identity), now=now)
    else:
        current.identity = dict(identity)


def unlink(store: Store, account: Any) -> None:
    """Remove the link, unless FranceConnect is the only way into the account."""
    if account.franceconnect is None:
        return
    if account.password_hash is None:
        raise Conflict(ONLY_WAY_IN)
    store.unlink(account)
