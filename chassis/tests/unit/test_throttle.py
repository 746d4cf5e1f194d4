"""The generic rate limit: fixed windows, blocks that end, keys that never hold an address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from chassis.throttle import Limit, allow, clear, hashed_key, ip_key, is_blocked

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
THREE_AN_HOUR = Limit(3, timedelta(hours=1), timedelta(minutes=30))


def rows():
    table: dict[str, SimpleNamespace] = {}

    def lock(key: str) -> SimpleNamespace:
        return table.setdefault(
            key, SimpleNamespace(key=key, failures=0, window_start=None, blocked_until=None)
        )

    return table, lock


def test_the_attempt_that_reaches_the_limit_passes_the_next_is_refused():
    table, lock = rows()
    assert [allow(lock, "k", THREE_AN_HOUR, NOW) for _ in range(4)] == [True, True, True, False]
    assert table["k"].failures == 3  # a refused attempt is not counted


def test_a_block_ends_and_the_window_starts_again():
    _, lock = rows()
    for _ in range(3):
        allow(lock, "k", THREE_AN_HOUR, NOW)
    assert not allow(lock, "k", THREE_AN_HOUR, NOW + timedelta(minutes=29))
    assert allow(lock, "k", THREE_AN_HOUR, NOW + timedelta(hours=1))


def test_clear_lifts_the_block():
    _, lock = rows()
    for _ in range(3):
        allow(lock, "k", THREE_AN_HOUR, NOW)
    clear(lock("k"))
    assert not is_blocked(lock("k"), NOW) and allow(lock, "k", THREE_AN_HOUR, NOW)


def test_no_address_means_nothing_to_count():
    table, lock = rows()
    assert ip_key("report-ip", "") is None
    assert allow(lock, None, THREE_AN_HOUR, NOW) and table == {}


def test_e_mail_keys_hold_a_hash_of_the_normalized_address():
    key = hashed_key("report-email", "  Camille.Martin@Example.org ")
    assert key == hashed_key("report-email", "camille.martin@example.org")
    assert "example" not in key and key.startswith("report-email:") and len(key) == 13 + 64
