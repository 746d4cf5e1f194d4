"""Rate limits kept in the service's database, so that every replica of every gateway shares them.

A service declares its table with the :class:`ThrottleColumns` mixin and counts attempts under
string keys (``ip:<address>``, ``email:<sha256>``...) with :class:`Throttles`::

    class Throttle(ThrottleColumns, Base):
        __tablename__ = "throttles"

    REPORTS_PER_IP = Limit(20, timedelta(hours=1), timedelta(hours=1))

    with self.db.session() as session:
        key = ip_key("report-ip", client_ip)
        if not allow(Throttles(session, Throttle).lock, key, REPORTS_PER_IP, now):
            raise TooManyRequests(TOO_MANY_REQUESTS, REPORTS_PER_IP.retry_after)

Windows are fixed: a key's count restarts when its window is over, and the attempt that reaches
the limit blocks the key for ``block``; a block always ends. Rows are locked while counted
(``SELECT ... FOR UPDATE``), so two replicas never lose a count. Keys built from an e-mail
address hold its SHA-256 only (:func:`hashed_key`), never the address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from chassis.types import UtcDateTime


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta
    block: timedelta

    @property
    def retry_after(self) -> int:
        """Seconds after which a refused caller is let in again at the latest (the block)."""
        return int(self.block.total_seconds())


class ThrottleColumns:
    """Declarative mixin: one row per key, its count in the current window and its block."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


def ip_key(prefix: str, client_ip: str) -> str | None:
    """``<prefix>:<ip>``; None when the gateway gave no address (nothing to count)."""
    return f"{prefix}:{client_ip}" if client_ip else None


def hashed_key(prefix: str, value: str) -> str:
    """``<prefix>:<sha256 of the trimmed, lower-cased value>``: an address never stored as such."""
    return f"{prefix}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()}"


def is_blocked(row: Any, now: datetime) -> bool:
    return row is not None and row.blocked_until is not None and now < row.blocked_until


def count(row: Any, limit: Limit, now: datetime) -> None:
    """Count one attempt on ``row``; block it when the attempt reaches the limit."""
    if row.window_start is None or now >= row.window_start + limit.window:
        row.window_start, row.failures = now, 0
    row.failures += 1
    if row.failures >= limit.attempts:
        row.blocked_until = now + limit.block


def clear(row: Any) -> None:
    """Forget the attempts and lift the block (e.g. a successful login or reset)."""
    row.failures, row.blocked_until = 0, None


class Throttles:
    """The rows of one throttle table, in one session (one transaction)."""

    def __init__(self, session: Session, model: type) -> None:
        self.session = session
        self.model = model

    def find(self, key: str) -> Any | None:
        return self.session.get(self.model, key)

    def lock(self, key: str) -> Any:
        """The row of ``key``, created if needed and locked until the transaction ends."""
        self.session.execute(
            insert(self.model)
            .values(key=key, failures=0)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        query = (
            select(self.model)
            .where(self.model.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(query).one()


def allow(lock: Callable[[str], Any], key: str | None, limit: Limit, now: datetime) -> bool:
    """Count one attempt under ``key``; False (nothing counted) when the key is blocked.

    ``lock`` gives the locked row of a key (:meth:`Throttles.lock`).
    """
    if key is None:
        return True
    row = lock(key)
    if is_blocked(row, now):
        return False
    count(row, limit, now)
    return True
