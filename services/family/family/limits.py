"""How many wrong activations an account, or a family, may suffer before a temporary lockout.

Wrong attempts count under ``activation-account:<account id>`` (5 in 15 minutes) and
``activation-family:<identifier>`` (10 in 15 minutes: both parents, and a stranger trying
names on one identifier) with :mod:`chassis.throttle`; the attempt that reaches a limit blocks
its key for 15 minutes. While either key is blocked, every activation through it is refused
with ``TooManyRequests``, right answers included, so the lockout cannot be used to test names.
A successful activation lifts the account's count (not the family's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chassis.throttle import Limit, clear, count, is_blocked
from contracts.errors import TooManyRequests

PER_ACCOUNT = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
PER_FAMILY = Limit(10, timedelta(minutes=15), timedelta(minutes=15))
LOCKED_OUT = "Trop de tentatives d'activation : réessayez dans 15 minutes."


def keys(account_id: str, family_id: str) -> dict[str, Limit]:
    return {
        f"activation-account:{account_id}": PER_ACCOUNT,
        f"activation-family:{family_id}": PER_FAMILY,
    }


def check_not_locked(lock: Callable[[str], Any], limits: dict[str, Limit], now: datetime) -> None:
    """``TooManyRequests`` while any of the keys is blocked."""
    for key, limit in limits.items():
        if is_blocked(lock(key), now):
            raise TooManyRequests(LOCKED_OUT, limit.retry_after)


def count_failure(lock: Callable[[str], Any], limits: dict[str, Limit], now: datetime) -> None:
    for key, limit in limits.items():
        count(lock(key), limit, now)


def clear_account(lock: Callable[[str], Any], account_id: str) -> None:
    clear(lock(f"activation-account:{account_id}"))
