"""Transactional outbox: an event is stored with the state change, then relayed to RabbitMQ.

    with self.db.session() as session:
        report = domain.submit(...)
        session.add(report)
        self.outbox.add(session, REPORT_SUBMITTED, ReportSubmitted(), {...})

``add`` writes a row in ``outbox_events`` inside the caller's transaction, so the event exists
if and only if the change was committed. A relay thread publishes pending rows in creation order
(a row that failed waits for its backoff, so consumers must not rely on order) on the
service's nameko event exchange (``<service>.events``, routing key = event type), with publisher
confirms and ``mandatory``, right after each worker that added events (or after ``wake``, for
code that adds events outside a worker) and every second otherwise
(:class:`chassis.background.WakeableLoop`). A row leaves the table's pending set only once the
broker confirmed it; a failure (broker down, link cut) schedules the row again with backoff.
An event for which no queue is bound yet is retried for ``UNROUTABLE_GRACE`` (a consumer
deployed with the producer has declared its queue by then), then set aside with ``last_error``
saying so. Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several replicas never
publish the same row twice. A row published (or set aside) keeps its payload without the
fields its event declares ``redacted_once_published`` (``chassis.retention.redact``).
"""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import timedelta

from marshmallow import Schema
from nameko.amqp.publish import UndeliverableMessage
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from chassis import config, tables
from chassis.background import WakeableLoop
from chassis.database import Database, Sessions
from chassis.retention import redact
from chassis.types import utcnow
from contracts.catalogue import redacted_once_published
from contracts.publishing import KeptPublisher

log = logging.getLogger(__name__)

BATCH_SIZE = 100
IDLE_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
UNROUTABLE_GRACE = timedelta(minutes=15)
UNROUTABLE = "unroutable: no queue is bound for this event type"
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.5,
    "interval_step": 0.5,
    "interval_max": 1,
}


def backoff_delay(attempts: int) -> timedelta:
    """0.5 s, 1 s, 2 s... capped at a minute."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** max(0, attempts - 1)))


class OutboxWriter:
    """What a worker gets: ``add`` an event to the current transaction.

    Code running outside nameko (a command-line tool) builds one on the service's outbox
    table, ``OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))``; the running service's
    relay publishes what it wrote.
    """

    def __init__(self, table, correlation_id: str | None = None) -> None:
        self._table = table
        self._correlation_id = correlation_id
        self.added = 0

    def add(self, session: Session, event_type: str, schema: Schema, data: dict) -> dict:
        """Validate and store the event ``data`` (without envelope); returns the full payload."""
        return self.add_all(session, [(event_type, schema, data)])[0]

    def add_all(self, session: Session, events: list[tuple[str, Schema, dict]]) -> list[dict]:
        """``add`` for each ``(event type, schema, data)``, in one statement; every event is
        validated before any is stored."""
        rows = []
        for event_type, schema, data in events:
            envelope = {"event_id": str(uuid.uuid4()), "occurred_at": utcnow(), **data}
            payload = schema.dump(envelope)
            errors = schema.validate(payload)
            if errors:
                raise ValueError(f"event {event_type} does not follow its contract: {errors}")
            rows.append(
                {
                    "event_id": payload["event_id"],
                    "event_type": event_type,
                    "payload": payload,
                    "correlation_id": self._correlation_id,
                    "created_at": envelope["occurred_at"],
                    "attempts": 0,
                }
            )
        if rows:
            session.execute(self._table.insert(), rows)
        self.added += len(rows)
        return [row["payload"] for row in rows]


class Outbox(DependencyProvider):
    """Outbox writer for workers, relay thread for the service. Needs a ``Database``."""

    def setup(self) -> None:
        database = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        if database is None:
            raise RuntimeError("Outbox needs a Database dependency on the same service")
        self.database = database
        self.table = tables.table(database.base.metadata, tables.OUTBOX)
        self.exchange = get_event_exchange(self.container.service_name, self.container.config)
        amqp_uri = self.container.config.get("OUTBOX_AMQP_URI") or config.setting("OUTBOX_AMQP_URI")
        self.publisher = KeptPublisher(
            amqp_uri or self.container.config[AMQP_URI_CONFIG_KEY],
            use_confirms=True,
            mandatory=True,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
            declare=[self.exchange],
        )
        self.relay = WakeableLoop("outbox_relay", self._relay_batch, idle_seconds=IDLE_SECONDS)

    def start(self) -> None:
        self.relay.start(self.container)

    def stop(self) -> None:
        self.relay.stop()

    def kill(self) -> None:
        self.relay.kill()

    def wake(self) -> None:
        """Relay now: for code that added events outside a worker (a background thread)."""
        self.relay.wake()

    def get_dependency(self, worker_ctx) -> OutboxWriter:
        return OutboxWriter(self.table, worker_ctx.data.get("correlation_id"))

    def worker_teardown(self, worker_ctx) -> None:
        writer = worker_ctx.service.__dict__.get(self.attr_name)
        if isinstance(writer, OutboxWriter) and writer.added:
            self.relay.wake()

    def _relay_batch(self) -> bool:
        """One batch; True when it was full, so more rows may be waiting."""
        return relay_once(self.database.sessions, self.table, self._publish) == BATCH_SIZE

    def _publish(self, event_type: str, payload: dict, correlation_id: str | None) -> None:
        headers = {"nameko.correlation_id": correlation_id} if correlation_id else {}
        self.publisher.publish(
            payload, exchange=self.exchange, routing_key=event_type, headers=headers
        )


def relay_once(sessions: Sessions, table, publish) -> int:
    """Publish one batch of due rows, in order; returns how many rows were looked at.

    The rows published are marked together, in one statement, in the batch's transaction;
    a row left unmarked by a crash is published again (at least once, never lost).
    """
    now = utcnow()
    with sessions.session() as session:
        rows = session.execute(
            select(table)
            .where(table.c.published_at.is_(None))
            .where(or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now))
            .order_by(table.c.id)
            .limit(BATCH_SIZE)
            .with_for_update(skip_locked=True)
        ).all()
        published: list[dict] = []
        try:
            for row in rows:
                try:
                    publish(row.event_type, row.payload, row.correlation_id)
                except UndeliverableMessage:
                    session.execute(_unroutable(table, row))
                except Exception as exc:
                    log.warning(
                        "event %s (%s) not published: %r", row.event_id, row.event_type, exc
                    )
                    session.execute(_retry_later(table, row, repr(exc)))
                    return 0  # the broker is unreachable: the rest of the batch would fail too
                else:
                    published.append(
                        {
                            "row_id": row.id,
                            "published_at": utcnow(),
                            "attempts": row.attempts + 1,
                            "payload": _redacted(row),
                        }
                    )
        finally:
            if published:
                session.execute(_mark_published(table), published)
        return len(rows)


@functools.cache
def _mark_published(table):
    """``UPDATE ... WHERE id = :row_id`` for many rows at once (one executemany)."""
    return (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values(
            published_at=bindparam("published_at"),
            attempts=bindparam("attempts"),
            payload=bindparam("payload"),
        )
    )


def _mark(table, row, **values):
    return table.update().where(table.c.id == row.id).values(**values)


def _redacted(row) -> dict:
    """What the stored copy keeps once the event is out: no tokens, free text or addresses."""
    return redact(row.payload, redacted_once_published(row.event_type))


def _retry_later(table, row, error: str):
    attempts = row.attempts + 1
    next_attempt = utcnow() + backoff_delay(attempts)
    return _mark(table, row, attempts=attempts, next_attempt_at=next_attempt, last_error=error)


def _unroutable(table, row):
    """No queue is bound for this event yet: wait for a consumer, then give up on it.

    A consumer deployed together with the producer declares its queue within the grace
    period; an event nobody subscribes to (yet) is set aside, not retried forever.
    """
    age = utcnow() - row.created_at
    if age > UNROUTABLE_GRACE:
        log.info(
            "event %s (%s): no consumer after %s, set aside", row.event_id, row.event_type, age
        )
        done = {"published_at": utcnow(), "last_error": UNROUTABLE}
        return _mark(table, row, payload=_redacted(row), **done)
    if row.attempts == 0:
        log.info("event %s (%s): no consumer queue yet, will retry", row.event_id, row.event_type)
    return _retry_later(table, row, UNROUTABLE)
