"""Queries of the ``accounts`` database, behind the small interface ``domain.Store``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import cast, delete, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, joinedload, selectinload

from accounts.models import (
    Account,
    Base,
    EmailToken,
    FranceConnectLink,
    LoginSession,
    LoginThrottle,
)
from chassis import retention
from chassis.paging import fetch_page
from chassis.throttle import Throttles


class Accounts:
    """Accounts and what hangs on them, in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # accounts

    def add(self, **fields: Any) -> Account:
        account = Account(id=str(uuid.uuid4()), **fields)
        self.session.add(account)
        self.session.flush()
        return account

    def get(self, account_id: str) -> Account | None:
        query = self._accounts().where(Account.id == account_id)
        return self.session.scalars(query).one_or_none()

    def find_by_email(self, email: str) -> Account | None:
        """The open account with this (lower-cased) e-mail."""
        query = self._accounts().where(Account.email == email, Account.closed_at.is_(None))
        return self.session.scalars(query).one_or_none()

    def agents(self, page: int, size: int) -> tuple[list[Account], int]:
        """One page of agents, by name; and how many in all."""
        query = (
            self._accounts()
            .where(Account.kind == "agent", Account.closed_at.is_(None))
            .order_by(Account.family_name, Account.given_name, Account.email, Account.id)
        )
        return fetch_page(self.session, query, page, size)

    def agents_with_role(self, role: str, limit: int) -> list[Account]:
        """The enabled agents holding ``role``, by name."""
        query = (
            self._accounts()
            .where(
                Account.kind == "agent",
                Account.closed_at.is_(None),
                Account.disabled_at.is_(None),
                cast(Account.roles, JSONB).contains([role]),
            )
            .order_by(Account.family_name, Account.given_name, Account.email, Account.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    # FranceConnect

    def find_link(self, sub: str) -> FranceConnectLink | None:
        query = select(FranceConnectLink).where(FranceConnectLink.sub == sub)
        return self.session.scalars(query).one_or_none()

    def link(self, account: Account, *, sub: str, identity: dict, now: datetime) -> None:
        account.franceconnect = FranceConnectLink(sub=sub, identity=identity, linked_at=now)
        self.session.flush()

    def unlink(self, account: Account) -> None:
        account.franceconnect = None
        self.session.flush()

    # e-mail tokens

    def add_token(self, account: Account, **fields: Any) -> EmailToken:
        token = EmailToken(account=account, **fields)
        self.session.add(token)
        self.session.flush()
        return token

    def find_token(self, token_hash: str, purposes: Iterable[str]) -> EmailToken | None:
        """The token with this hash, locked, so two clicks cannot both use it."""
        query = (
            select(EmailToken)
            .where(EmailToken.token_hash == token_hash, EmailToken.purpose.in_(list(purposes)))
            .with_for_update()
        )
        return self.session.scalars(query).one_or_none()

    def tokens(self, account: Account, purpose: str) -> list[EmailToken]:
        query = select(EmailToken).where(
            EmailToken.account_id == account.id, EmailToken.purpose == purpose
        )
        return list(self.session.scalars(query))

    def delete_tokens(self, account: Account) -> None:
        self.session.execute(delete(EmailToken).where(EmailToken.account_id == account.id))

    # sessions

    def add_session(self, account: Account, **fields: Any) -> LoginSession:
        row = LoginSession(account=account, **fields)
        self.session.add(row)
        self.session.flush()
        return row

    def find_session(self, token_hash: str) -> LoginSession | None:
        """The session of ``token_hash`` with its account, in one query."""
        query = (
            select(LoginSession)
            .options(joinedload(LoginSession.account))
            .where(LoginSession.token_hash == token_hash)
        )
        return self.session.scalars(query).one_or_none()

    def sessions(self, account: Account) -> list[LoginSession]:
        """Every session of the account, newest first."""
        query = (
            select(LoginSession)
            .where(LoginSession.account_id == account.id)
            .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
        )
        return list(self.session.scalars(query))

    # throttles

    def find_throttle(self, key: str) -> LoginThrottle | None:
        return Throttles(self.session, LoginThrottle).find(key)

    def throttle(self, key: str) -> LoginThrottle:
        """The row of ``key``, created if needed and locked until the transaction ends."""
        return Throttles(self.session, LoginThrottle).lock(key)

    def account_throttles(self, account: Account) -> list[LoginThrottle]:
        """The login counters of ``account``, from anywhere and from each address, locked."""
        key = f"account:{account.id}"
        query = (
            select(LoginThrottle)
            .where(or_(LoginThrottle.key == key, LoginThrottle.key.startswith(f"{key}@")))
            .with_for_update()
        )
        return list(self.session.scalars(query))

    def known_ip(self, account: Account, client_ip: str) -> bool:
        """Whether ``account`` already opened a session from ``client_ip``."""
        if not client_ip:
            return False
        query = select(LoginSession.id).where(
            LoginSession.account_id == account.id, LoginSession.client_ip == client_ip
        )
        return self.session.scalars(query.limit(1)).first() is not None

    # copies of events

    def forget_in_event_copies(self, values: Iterable[str]) -> None:
        """Remove ``values`` from the outbox rows and dead letters of this database."""
        retention.forget_values(self.session, Base.metadata, values)

    @staticmethod
    def _accounts():
        return select(Account).options(selectinload(Account.franceconnect))
