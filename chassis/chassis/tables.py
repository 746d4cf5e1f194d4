"""Tables every service database holds besides its own: outbox, processed events, dead letters.

Installed on the service's metadata so that ``alembic revision --autogenerate`` creates them in
the service's own migrations::

    class Base(DeclarativeBase):
        pass

    tables.install(Base.metadata)
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from chassis.types import UtcDateTime

OUTBOX = "outbox_events"
PROCESSED = "processed_events"
DEAD_LETTERS = "dead_letter_events"


def install(metadata: MetaData) -> None:
    """Add the chassis tables to ``metadata`` (once)."""
    if OUTBOX in metadata.tables:
        return
    Table(
        OUTBOX,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("correlation_id", String(100), nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=True),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_events_pending", "published_at", "id"),
    )
    Table(
        PROCESSED,
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("handler", String(200), primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    Table(
        DEAD_LETTERS,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=True),
        Column("source_service", String(100), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("handler", String(200), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("error", Text, nullable=False),
        Column("failed_at", UtcDateTime(), nullable=False),
    )


def table(metadata: MetaData, name: str) -> Table:
    """One of the chassis tables of ``metadata``; a clear error when install() was forgotten."""
    try:
        return metadata.tables[name]
    except KeyError:
        raise RuntimeError(
            f"chassis.tables.install() was not called on this metadata ({name})"
        ) from None
