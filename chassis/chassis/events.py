"""Idempotent event handlers with retry, backoff and a dead-letter table.

    class NotificationsService:
        name = "notifications"
        db = Database(Base)

        @handle_event("requests", "report_submitted", ReportSubmitted)
        def on_report_submitted(self, session, event):
            ...   # runs at most once per event_id, in one transaction

The handler's body and the row recording ``event_id`` in ``processed_events`` are committed
together, so a redelivered event has no second effect. A payload that does not follow its
contract goes straight to ``dead_letter_events``. Any other failure is retried later through
RabbitMQ's delayed redelivery (nameko-amqp-retry's ``Backoff``, :class:`EventBackoff`: after
1 s, 2 s, 5 s, 10 s, 30 s, 1 min, then every 2 min, 12 retries over about 14 minutes);
what still fails after the last retry is written to ``dead_letter_events`` for an operator,
with its payload and error.

A message is acknowledged only after its outcome is committed: the handler's effect, or its
dead letter. If the dead letter cannot be stored (database down), the message is not
acknowledged but returned to its queue after a pause, and handled again later; nothing
reaches only the log.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from marshmallow import Schema, ValidationError
from nameko_amqp_retry import Backoff
from nameko_amqp_retry.events import EventHandler as RetryingEventHandler
from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import Insert, insert

from chassis import retry_routing, tables
from chassis.database import Database, Sessions
from chassis.metrics import DEAD_LETTERS
from chassis.types import utcnow

log = logging.getLogger(__name__)

DEAD_LETTER_RETRY_SECONDS = 5.0
"""Wait before a message whose dead letter could not be stored goes back to its queue."""
RETRY_CONFIG_KEY = "DEAD_LETTER_RETRY_SECONDS"


class EventBackoff(Backoff):
    """Retry schedule of failed handlers (milliseconds; the last one repeats up to ``limit``
    retries: 828 s in all, about 14 minutes, plus nameko-amqp-retry's ±0.1 s jitter)."""

    schedule = (1000, 2000, 5000, 10000, 30000, 60000, 120000)
    limit = 12


class ContractViolation(Exception):
    """The payload does not follow the event's contract: retrying cannot help."""


class IdempotentEventHandler(RetryingEventHandler):
    """nameko-amqp-retry's event handler that dead-letters what it finally gives up on.

    Its retries go through the service's own exchanges and queues (``chassis.retry_routing``).
    The message is acknowledged only once its dead letter is committed. When the dead letter
    cannot be written (the database is down), the message is put back in its queue after
    ``DEAD_LETTER_RETRY_SECONDS`` (config key of the same name) instead: it is handled again
    later, and dead-lettered once the database answers.
    """

    backoff_publisher = retry_routing.ServiceBackoffPublisher()

    def setup(self) -> None:
        super().setup()
        self.queue = retry_routing.with_retry_binding(self.queue, self.container.service_name)

    def handle_message_processed(self, message, result=None, exc_info=None):
        given_up = exc_info is not None and isinstance(
            exc_info[1], Backoff.Expired | ContractViolation
        )
        if given_up and not self._dead_letter(message, exc_info[1]):
            time.sleep(self._retry_seconds())  # cooperative: nameko runs monkey-patched
            self.queue_consumer.requeue_message(message)
            return
        super().handle_message_processed(message, result, exc_info)

    def _retry_seconds(self) -> float:
        return float(self.container.config.get(RETRY_CONFIG_KEY, DEAD_LETTER_RETRY_SECONDS))

    def _dead_letter(self, message, error: Exception) -> bool:
        """Store the message in ``dead_letter_events``; False when that failed."""
        payload = (
            message.payload if isinstance(message.payload, dict) else {"raw": str(message.payload)}
        )
        cause = error.__cause__ or error.__context__ or error
        while isinstance(cause, Backoff | Backoff.Expired) and (
            cause.__cause__ or cause.__context__
        ):
            cause = cause.__cause__ or cause.__context__  # the handler's error, not the retry's
        try:
            database = next(d for d in self.container.dependencies if isinstance(d, Database))
            record_dead_letter(
                database.sessions,
                self.source_service,
                self.event_type,
                self.method_name,
                payload,
                repr(cause),
            )
        except Exception:
            log.exception(
                "could not dead-letter %s %s for %s: message requeued, not acknowledged",
                self.event_type,
                payload.get("event_id"),
                self.method_name,
            )
            return False
        DEAD_LETTERS.labels(self.container.service_name, self.source_service, self.event_type).inc()
        return True


def record_dead_letter(
    sessions: Sessions, source: str, event_type: str, handler: str, payload: dict, error: str
) -> None:
    table = tables.table(sessions.metadata, tables.DEAD_LETTERS)
    with sessions.session() as session:
        session.execute(
            table.insert().values(
                event_id=str(payload.get("event_id") or "")[:36] or None,
                source_service=source,
                event_type=event_type,
                handler=handler,
                payload=payload,
                error=error[:4000],
                failed_at=utcnow(),
            )
        )
    log.error("event %s from %s dead-lettered by %s: %s", event_type, source, handler, error)


def handle_event(
    source_service: str,
    event_type: str,
    schema: type[Schema],
    backoff: type[Backoff] = EventBackoff,
    **handler_kwargs,
) -> Callable:
    """Declare ``fn(self, session, event)`` as the idempotent handler of one event type.

    ``backoff`` sets the retry schedule (a ``Backoff`` subclass); the rest goes to nameko's
    ``event_handler`` (``handler_type``, ``reliable_delivery``...).
    """

    def decorator(fn: Callable) -> Callable:
        loader = schema()  # built once: a schema's fields are deep-copied for each instance

        @functools.wraps(fn)
        def handler(self, payload: dict) -> None:
            try:
                event = loader.load(payload)
            except ValidationError as exc:
                raise ContractViolation(str(exc.messages)) from exc
            name = f"{type(self).name}.{fn.__name__}"
            try:
                _run_once(
                    self.db, name, event_type, str(event["event_id"]), lambda s: fn(self, s, event)
                )
            except Exception as exc:
                log.warning(
                    "handler %s failed on %s %s, will retry: %r",
                    name,
                    event_type,
                    event["event_id"],
                    exc,
                )
                raise backoff() from exc

        entrypoint = IdempotentEventHandler.decorator(
            source_service, event_type, expected_exceptions=(ContractViolation,), **handler_kwargs
        )
        return entrypoint(handler)

    return decorator


def _run_once(
    sessions: Sessions, handler: str, event_type: str, event_id: str, body: Callable
) -> None:
    """Run ``body`` in the transaction that records ``event_id`` as handled by ``handler``.

    The row is claimed first, in one statement (``INSERT ... ON CONFLICT DO NOTHING``): an
    event already handled inserts nothing and is skipped; a copy handled at the same moment
    by another worker waits on the primary key until that worker's transaction ends, then
    is skipped (committed) or runs (rolled back). So a handler's effects outside the
    database (an e-mail sent in the handler) happen in one worker only.
    """
    claim = _claim_statement(tables.table(sessions.metadata, tables.PROCESSED))
    row = {"event_id": event_id, "event_type": event_type, "handler": handler}
    with sessions.session() as session:
        if session.execute(claim, {**row, "processed_at": utcnow()}).first() is None:
            log.info("event %s already handled by %s: skipped", event_id, handler)
            return
        body(session)


@functools.cache
def _claim_statement(table: Table) -> Insert:
    """``_run_once``'s claim, built once per table with bound parameters (each event used to
    build it, and its cache key, again)."""
    columns = ("event_id", "event_type", "handler", "processed_at")
    return (
        insert(table)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
