"""The relay's decisions, on a PostgreSQL database and a fake broker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nameko.amqp.publish import UndeliverableMessage
from sqlalchemy import MetaData, select

from chassis import tables
from chassis.database import Sessions, make_engine
from chassis.events import EventBackoff
from chassis.outbox import UNROUTABLE, UNROUTABLE_GRACE, relay_once
from chassis.types import utcnow


@pytest.fixture
def outbox(postgres_database):
    metadata = MetaData()
    tables.install(metadata)
    engine = make_engine(postgres_database("chassis_relay"))
    metadata.create_all(engine)
    sessions = Sessions(engine, metadata)
    yield sessions, metadata.tables[tables.OUTBOX]
    engine.dispose()


def add(sessions, table, event_id: str, age: timedelta = timedelta()) -> None:
    with sessions.session() as session:
        session.execute(
            table.insert().values(
                event_id=event_id,
                event_type="thing_created",
                payload={"event_id": event_id},
                created_at=utcnow() - age,
                attempts=0,
            )
        )


def rows(sessions, table) -> dict[str, object]:
    with sessions.session() as session:
        return {row.event_id: row for row in session.execute(select(table))}


def test_published_rows_leave_the_pending_set_in_order(outbox):
    sessions, table = outbox
    for event_id in ("a", "b", "c"):
        add(sessions, table, event_id)
    sent = []
    relay_once(sessions, table, lambda event_type, payload, cid: sent.append(payload["event_id"]))
    assert sent == ["a", "b", "c"]
    assert all(row.published_at is not None for row in rows(sessions, table).values())


def test_broker_failure_stops_the_batch_and_schedules_a_retry(outbox):
    sessions, table = outbox
    add(sessions, table, "a")
    add(sessions, table, "b")

    def broker_down(*_):
        raise ConnectionRefusedError("broker down")

    relay_once(sessions, table, broker_down)
    state = rows(sessions, table)
    assert state["a"].attempts == 1 and state["a"].next_attempt_at is not None
    assert state["b"].attempts == 0 and state["b"].published_at is None


def test_rows_published_before_a_broker_failure_are_marked_published(outbox):
    """The batch's marks are written together at its end, the failing case included."""
    sessions, table = outbox
    for event_id in ("a", "b", "c"):
        add(sessions, table, event_id)

    def down_after_a(event_type, payload, cid):
        if payload["event_id"] != "a":
            raise ConnectionRefusedError("broker down")

    relay_once(sessions, table, down_after_a)
    state = rows(sessions, table)
    assert state["a"].published_at is not None and state["a"].attempts == 1
    assert state["b"].published_at is None and state["b"].attempts == 1
    assert state["c"].published_at is None and state["c"].attempts == 0


def unroutable(*_):
    raise UndeliverableMessage()


def test_event_without_consumer_is_retried_during_the_grace_period(outbox):
    sessions, table = outbox
    add(sessions, table, "recent")
    relay_once(sessions, table, unroutable)
    row = rows(sessions, table)["recent"]
    assert (row.published_at, row.attempts, row.last_error) == (None, 1, UNROUTABLE)


def test_event_without_consumer_is_set_aside_after_the_grace_period(outbox):
    sessions, table = outbox
    add(sessions, table, "old", age=UNROUTABLE_GRACE + timedelta(minutes=1))
    relay_once(sessions, table, unroutable)
    row = rows(sessions, table)["old"]
    assert row.published_at is not None and row.last_error == UNROUTABLE


def test_handler_retries_follow_the_documented_schedule():
    """docs/design.md: 1 s, 2 s, 5 s, 10 s, 30 s, 1 min, then every 2 min; 12 retries, ~14 min."""
    delays = [EventBackoff.get_next_schedule_item(i) / 1000 for i in range(EventBackoff.limit)]
    assert delays == [1, 2, 5, 10, 30, 60, 120, 120, 120, 120, 120, 120]
    assert EventBackoff().max_delay / 1000 == 828
