"""Rate limits on login, password reset and e-mail confirmation, shared by every replica.

Counters live in the service's database (``login_throttle``), one row per key: ``ip:<address>``
and ``account:<id>`` for login failures, ``reset-ip:`` and ``reset-account:`` for reset
requests, ``verify-ip:`` for wrong confirmation links. A failed login on an e-mail without an
account counts under ``email:<sha256>``, so the sixth try answers "too many attempts" whether
the account exists or not. Windows are fixed: the count restarts when its window is over; the
attempt that reaches the limit blocks the key for ``block``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TOO_MANY = "Trop de tentatives : réessayez dans 15 minutes."


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta
    block: timedelta


LOGIN_PER_ACCOUNT = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
LOGIN_PER_IP = Limit(20, timedelta(minutes=15), timedelta(minutes=15))
RESET_PER_ACCOUNT = Limit(3, timedelta(hours=1), timedelta(hours=1))
RESET_PER_IP = Limit(5, timedelta(hours=1), timedelta(hours=1))
VERIFY_PER_IP = Limit(20, timedelta(minutes=15), timedelta(minutes=15))


def ip_key(prefix: str, client_ip: str) -> str | None:
    """``<prefix>:<ip>``; None when the gateway gave no address (nothing to count)."""
    return f"{prefix}:{client_ip}" if client_ip else None


def account_key(account: Any, email: str) -> str:
    """The per-account login key, also for an e-mail that has no account."""
    if account is not None:
        return f"account:{account.id}"
    return f"email:{hashlib.sha256(email.encode()).hexdigest()}"


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
    """Forget the failures (a successful login on the account)."""
    row.failures, row.blocked_until = 0, None
