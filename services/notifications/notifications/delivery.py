"""Sending outgoing messages: right after the handler that wrote them commits, and every second.

    class NotificationsService:
        delivery = Delivery()   # needs Database and Mailer on the same service

        @handle_event(...)
        def on_report_submitted(self, session, event):
            self.delivery.queue(session, event, rendered)   # in the handler's transaction

A handler stores its message as a pending row, due at once, in its own transaction (so the
message exists if and only if the event was handled). ``Delivery`` runs a background loop
(:class:`chassis.background.WakeableLoop`) that sends due messages one after the other until
none is left, with no cap per pass: it is woken in the ``worker_teardown`` of every worker that
queued a message, after that worker's transaction committed, and otherwise looks every second
for retries that became due. The service's timer sends due messages too, with
:func:`deliver_due`, as a safety net that does not depend on the loop.

Each message is sent in a transaction of its own, its row claimed with ``FOR UPDATE SKIP
LOCKED``: the loop, the timer and other replicas never send the same message. A success is
recorded on the row and its attempts. Any failure of one message (the SMTP server refusing it or
unreachable, an e-mail that cannot be built from the row, anything else the mailer raises) is
recorded as an attempt and retried with backoff (:func:`notifications.domain.record_failure`),
so that message waits while the others go: one bad message never stalls the queue.
"""

from __future__ import annotations

import logging

from nameko.extensions import DependencyProvider
from prometheus_client import Counter

from chassis.background import WakeableLoop
from chassis.database import Database, Sessions
from chassis.types import utcnow
from notifications import domain
from notifications.mailer import DeliveryFailed, Mailer, SmtpMailer
from notifications.rendering import Rendered
from notifications.repository import Messages

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
DELIVERY_FAILURES = Counter(
    "portail_email_delivery_failures_total",
    "Failed e-mail delivery attempts; final=true when the message gave up (status failed).",
    ["final"],
)
for final in ("true", "false"):  # both series exist from the start, at zero
    DELIVERY_FAILURES.labels(final)


class MessageQueue:
    """What a worker gets: ``queue`` the e-mail an event gives, in the handler's transaction."""

    def __init__(self) -> None:
        self.queued = 0

    def queue(self, session, event: dict, rendered: Rendered) -> None:
        """Store the message as pending and due at once; it is sent after the commit."""
        Messages(session).add(event["event_id"], rendered, utcnow())
        self.queued += 1


def failure_text(exc: Exception) -> str:
    """What an attempt records: the SMTP error as is, anything else with its type."""
    return str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"


def deliver_next(sessions: Sessions, mailer: SmtpMailer) -> bool:
    """Try the oldest due message, in a transaction of its own; False when nothing is due."""
    with sessions.session() as session:
        messages = Messages(session)
        message = messages.claim_next_due(utcnow())
        if message is None:
            return False
        try:
            mailer.send(message)
        except Exception as exc:  # any failure is this message's, never the whole queue's
            error = failure_text(exc)
            if not isinstance(exc, DeliveryFailed):
                log.exception("message %s could not be built or sent", message.id)
            messages.record_attempt(message, error, utcnow())
            domain.record_failure(message, error, utcnow())
            DELIVERY_FAILURES.labels(str(message.status == domain.FAILED).lower()).inc()
            return True
        messages.record_attempt(message, None, utcnow())
        domain.record_success(message, utcnow())
        return True


def deliver_due(sessions: Sessions, mailer: SmtpMailer, limit: int | None = None) -> int:
    """Try due messages until none is left (or ``limit`` were tried); returns how many."""
    tried = 0
    while (limit is None or tried < limit) and deliver_next(sessions, mailer):
        tried += 1
    return tried


class Delivery(DependencyProvider):
    """Message queue for handlers, delivery loop for the service."""

    def setup(self) -> None:
        def find(kind: type) -> DependencyProvider:
            found = next((d for d in self.container.dependencies if isinstance(d, kind)), None)
            if found is None:
                raise RuntimeError(f"Delivery needs a {kind.__name__} dependency on the service")
            return found

        self.database = find(Database)
        self.mailer = find(Mailer)
        self.loop = WakeableLoop("message_delivery", self._deliver_one, idle_seconds=IDLE_SECONDS)

    def start(self) -> None:
        self.loop.start(self.container)

    def stop(self) -> None:
        self.loop.stop()

    def kill(self) -> None:
        self.loop.kill()

    def get_dependency(self, worker_ctx) -> MessageQueue:
        return MessageQueue()

    def worker_teardown(self, worker_ctx) -> None:
        """The worker's transaction is over: send what it queued now, not at the next tick."""
        queue = worker_ctx.service.__dict__.get(self.attr_name)
        if isinstance(queue, MessageQueue) and queue.queued:
            self.loop.wake()

    def _deliver_one(self) -> bool:
        """One step of the loop: one message."""
        return deliver_next(self.database.sessions, self.mailer.mailer)
