"""Events an operator must look at: dead letters and set-aside outbox events.

- A **dead letter** (``dead_letter_events``, in the consuming service's database) is an event
  one handler gave up on. Replaying it publishes its stored payload again to that handler's
  queue only, through the service's own ``<service>.retry`` exchange (``chassis.retry_routing``),
  with the service's own broker login; the row is deleted once the broker confirmed. The
  handler is idempotent on ``event_id``: a replay of an event it has since processed is
  skipped, and one that fails again is retried and dead-lettered again as usual.
- A **set-aside event** (``outbox_events`` with ``last_error`` = ``chassis.outbox.UNROUTABLE``,
  in the producing service's database) is one no queue took within the grace period.
  Replaying it makes the row pending again, so the relay publishes it with its usual retries.
  Its payload was redacted when it was set aside (``contracts.catalogue``): a replay sends the
  redacted fields empty, which the operator must accept explicitly.
- Discarding deletes the row; nothing is published.
"""

from __future__ import annotations

from typing import Any

from nameko.amqp.publish import Publisher
from sqlalchemy import MetaData, delete, select, update
from sqlalchemy.engine import Engine

from chassis import tables
from chassis.outbox import UNROUTABLE
from chassis.retry_routing import retry_exchange
from contracts.catalogue import redacted_once_published

KINDS = ("dead-letters", "set-aside")


class NotFound(LookupError):
    pass


class Stranded:
    """The dead letters and set-aside events of one service's database."""

    def __init__(self, engine: Engine, service: str) -> None:
        metadata = MetaData()
        tables.install(metadata)
        self.engine = engine
        self.service = service
        self.dead = tables.table(metadata, tables.DEAD_LETTERS)
        self.outbox = tables.table(metadata, tables.OUTBOX)

    def _table_and_filter(self, kind: str):
        if kind == "dead-letters":
            return self.dead, self.dead.c.id.is_not(None)
        return self.outbox, self.outbox.c.last_error == UNROUTABLE

    def list(self, kind: str) -> list[dict[str, Any]]:
        table, where = self._table_and_filter(kind)
        with self.engine.connect() as connection:
            rows = connection.execute(select(table).where(where).order_by(table.c.id))
            return [dict(row._mapping) for row in rows]

    def get(self, kind: str, row_id: int) -> dict[str, Any]:
        table, where = self._table_and_filter(kind)
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(where, table.c.id == row_id)).first()
        if row is None:
            raise NotFound(f"{kind} {row_id}: no such row in {self.service}'s database")
        return dict(row._mapping)

    def discard(self, kind: str, row_id: int) -> None:
        table, where = self._table_and_filter(kind)
        self.get(kind, row_id)
        with self.engine.begin() as connection:
            connection.execute(delete(table).where(where, table.c.id == row_id))

    def redacted_fields(self, row_id: int) -> tuple[str, ...]:
        """The fields of a set-aside event that were emptied when it was set aside."""
        return redacted_once_published(self.get("set-aside", row_id)["event_type"])

    def replay_set_aside(self, row_id: int) -> None:
        """Make the row pending again: the relay publishes it."""
        self.get("set-aside", row_id)
        pending = {"published_at": None, "attempts": 0, "next_attempt_at": None}
        with self.engine.begin() as connection:
            connection.execute(
                update(self.outbox)
                .where(self.outbox.c.id == row_id)
                .values(**pending, last_error=None)
            )

    def replay_dead_letter(self, row_id: int, amqp_uri: str) -> str:
        """Publish the dead letter to its handler's queue, then delete it; returns the queue."""
        row = self.get("dead-letters", row_id)
        queue = handler_queue(
            row["source_service"], row["event_type"], self.service, row["handler"]
        )
        exchange = retry_exchange(self.service)
        publisher = Publisher(amqp_uri, use_confirms=True, mandatory=True, declare=[exchange])
        publisher.publish(row["payload"], exchange=exchange, routing_key=queue)
        with self.engine.begin() as connection:
            connection.execute(delete(self.dead).where(self.dead.c.id == row_id))
        return queue


def handler_queue(source: str, event_type: str, service: str, handler: str) -> str:
    """nameko's queue of a service-pool event handler."""
    return f"evt-{source}-{event_type}--{service}.{handler}"
