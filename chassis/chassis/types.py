"""Column types every service shares.

``UtcDateTime`` keeps times aware and in UTC on every database. PostgreSQL does so by itself
(``timestamp with time zone``); SQLite, the local-run default, stores text and hands back
naive datetimes, which then fail to compare with ``datetime.now(UTC)``. Models use it instead
of ``DateTime(timezone=True)``; migrations see the same ``DateTime(timezone=True)``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime in, an aware UTC datetime out; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times are stored in UTC, give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
