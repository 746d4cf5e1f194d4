"""Tables of the ``notifications`` database: outgoing messages and their delivery attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class OutgoingMessage(Base):
    """An e-mail rendered from a template, waiting to be sent, sent, or given up on."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        UniqueConstraint("source_event_id", "template", name="uq_outgoing_messages_event"),
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
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    delivery_attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )


class DeliveryAttempt(Base):
    """One try to hand a message to the SMTP server; ``error`` is None when it succeeded."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outgoing_messages.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)

    message: Mapped[OutgoingMessage] = relationship(back_populates="delivery_attempts")
