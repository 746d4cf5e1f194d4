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
RabbitMQ's delayed redelivery (nameko-amqp-retry's ``Backoff``: 1 s, 2 s, 3 s, 5 s... about
fifteen minutes in all); what still fails after the last attempt is written to
``dead_letter_events`` for an operator, with its payload and error.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from marshmallow import Schema, ValidationError
from nameko_amqp_retry import Backoff
from nameko_amqp_retry.events import EventHandler as RetryingEventHandler
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chassis import retry_routing, tables
from chassis.database import Database, Sessions

log = logging.getLogger(__name__)


class EventBackoff(Backoff):
    """Retry schedule of failed handlers (milliseconds)."""

    schedule = (1000, 2000, 5000, 10000, 30000, 60000, 120000)
    limit = 12


class ContractViolation(Exception):
    """The payload does not follow the event's contract: retrying cannot help."""


class IdempotentEventHandler(RetryingEventHandler):
    """nameko-amqp-retry's event handler that dead-letters what it finally gives up on.

    Its retries go through the service's own exchanges and queues (``chassis.retry_routing``).
    """

    backoff_publisher = retry_routing.ServiceBackoffPublisher()

    def setup(self) -> None:
        super().setup()
        self.queue = retry_routing.with_retry_binding(self.queue, self.container.service_name)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        result, exc_info = super().handle_result(
            message, worker_ctx, result=result, exc_info=exc_info
        )
        if exc_info is not None and isinstance(exc_info[1], Backoff.Expired | ContractViolation):
            self._dead_letter(message, exc_info[1])
        return result, exc_info

    def _dead_letter(self, message, error: Exception) -> None:
        payload = (
            message.payload if isinstance(message.payload, dict) else {"raw": str(message.payload)}
        )
        cause = error.__cause__ or error.__context__ or error
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
                "could not dead-letter event, payload follows: %s", json.dumps(payload, default=str)
            )


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
                failed_at=datetime.now(UTC),
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
        @functools.wraps(fn)
        def handler(self, payload: dict) -> None:
            try:
                event = schema().load(payload)
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
    table = tables.table(sessions.metadata, tables.PROCESSED)
    try:
        with sessions.session() as session:
            seen = session.execute(
                select(table.c.event_id).where(
                    table.c.event_id == event_id, table.c.handler == handler
                )
            ).first()
            if seen:
                log.info("event %s already handled by %s: skipped", event_id, handler)
                return
            body(session)
            session.execute(
                table.insert().values(
                    event_id=event_id,
                    event_type=event_type,
                    handler=handler,
                    processed_at=datetime.now(UTC),
                )
            )
    except IntegrityError:
        # The same event was handled concurrently by another worker: its effect is committed.
        with sessions.session() as session:
            if session.execute(
                select(table.c.event_id).where(
                    table.c.event_id == event_id, table.c.handler == handler
                )
            ).first():
                return
        raise
