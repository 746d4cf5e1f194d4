"""Tables of the ``accounts`` database: accounts, FranceConnect links, e-mail tokens, sessions
and login throttles. Secrets (passwords, tokens) are stored as hashes only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables
from chassis.throttle import ThrottleColumns
from chassis.types import UtcDateTime


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class Account(Base):
    """A citizen's or an agent's account; closing it keeps the row, anonymized."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    civility: Mapped[str | None] = mapped_column(String(20))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    email_notifications: Mapped[bool] = mapped_column(Boolean)
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """An agent an administrator disabled: no login, no session, until re-enabled."""

    franceconnect: Mapped[FranceConnectLink | None] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class FranceConnectLink(Base):
    """A FranceConnect identity (``sub``) tied to one account, with its identité pivot."""

    __tablename__ = "franceconnect_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), unique=True)
    sub: Mapped[str] = mapped_column(String(255), unique=True)
    identity: Mapped[dict] = mapped_column(JSON)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())

    account: Mapped[Account] = relationship(back_populates="franceconnect")


class EmailToken(Base):
    """A single-use link sent by e-mail: confirm an address, reset a password, change e-mail."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    account: Mapped[Account] = relationship()


class LoginSession(Base):
    """A server-side session; the cookie holds the token, this row its hash."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    via_franceconnect: Mapped[bool] = mapped_column(Boolean)
    client_ip: Mapped[str] = mapped_column(String(45))
    reauthenticated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the person last proved again who they are at FranceConnect in this session."""

    account: Mapped[Account] = relationship()


class LoginThrottle(ThrottleColumns, Base):
    """Attempts counted under one key (see ``accounts.throttle``) in a fixed window."""

    __tablename__ = "login_throttle"
