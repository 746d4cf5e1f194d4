"""Column types and the clock every service shares.

Times are stored in UTC (``timestamp with time zone``). ``UtcDateTime`` refuses naive values
on the way in, so a local time can never be stored by mistake, and hands back aware datetimes
in UTC whatever the connection's ``TimeZone``. Models use it instead of
``DateTime(timezone=True)``; migrations see the same ``DateTime(timezone=True)``.

    from chassis.types import UtcDateTime, utcnow

    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, aware and in UTC: the one clock of the services."""
    return datetime.now(UTC)


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
        return None if value is None else value.astimezone(UTC)
