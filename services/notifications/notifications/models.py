"""Tables of the ``notifications`` database: outgoing messages, their delivery attempts, and a
projection of accounts (contacts) fed by the ``accounts`` events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables
from chassis.types import UtcDateTime


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class OutgoingMessage(Base):
    """An e-mail rendered from a template, waiting to be sent, sent, or given up on."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        # one message per event, template and recipient (an event may concern two parents);
        # a recipient blanked by an account closure no longer counts
        Index(
            "uq_outgoing_messages_event",
            "source_event_id",
            "template",
            "recipient",
            unique=True,
            postgresql_where=text("recipient <> ''"),
        ),
        Index("ix_outgoing_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(36))
    template: Mapped[str] = mapped_column(String(50))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attachments: Mapped[list | None] = mapped_column(JSONB)
    """Files sent with the e-mail: ``[{"filename", "content_type", "data" (base64)}]``."""

    delivery_attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )


class DeliveryAttempt(Base):
    """One try to hand a message to the SMTP server; ``error`` is None when it succeeded."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outgoing_messages.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)

    message: Mapped[OutgoingMessage] = relationship(back_populates="delivery_attempts")


class Contact(Base):
    """What this service knows of an account: its e-mail and whether it wants progress e-mails.

    A local copy built from the ``accounts`` events (never from the accounts database). Each
    fact remembers when it was true (``*_as_of``, the event's ``occurred_at``), so an older event
    delivered late does not overwrite a newer one. ``email`` stays unknown (None) until an event
    gives it, and is forgotten when the account is closed.
    """

    __tablename__ = "contacts"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_notifications: Mapped[bool] = mapped_column(Boolean)
    closed: Mapped[bool] = mapped_column(Boolean)
    email_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime())
    preference_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime())
