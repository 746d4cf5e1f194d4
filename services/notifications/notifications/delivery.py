"""Sending outgoing messages: as the handler that wrote them commits, and every second.

    class NotificationsService:
        delivery = Delivery()   # needs Database and Mailer on the same service

        @handle_event(...)
        def on_report_submitted(self, session, event):
            self.delivery.queue(session, event, rendered)   # in the handler's transaction

A handler stores its message as a pending row, due at once, in its own transaction (so the
message exists if and only if the event was handled). The message is sent in that same
transaction, once the handler's body is over, just before its commit (SQLAlchemy's
``before_commit``), and the outcome (sent, or a failed attempt and its retry time) is committed
with the row: one transaction per e-mail instead of two, and no wait for another greenthread.
If that commit fails after the e-mail left, the event is handled again and the e-mail sent
again (at least once, never lost). For 30 s after the relay could not be reached
(``SmtpMailer.reachable_lately``), handlers only store their messages and wake the loop after
their commit, so an SMTP outage does not hold every handler for a connection timeout. A handler that raises sends nothing: its transaction ends
without commit. Two copies of one event never both send: the handler's idempotence row is
claimed first (``chassis.events``), so a concurrent copy waits for the first one's outcome.

What is not sent there (a failed attempt, a retry that became due) is sent by a background
loop (:class:`chassis.background.WakeableLoop`) that looks every second and sends due messages
one after the other until none is left, with no cap per pass. The service's timer sends due
messages too, with :func:`deliver_due`, as a safety net that does not depend on the loop.

Outside the handlers, each message is sent in a transaction of its own, its row claimed with
``FOR UPDATE SKIP LOCKED``: the loop, the timer and other replicas never send the same message.
A success is recorded on the row and its attempts. Any failure of one message (the SMTP server
refusing it or unreachable, an e-mail that cannot be built from the row, anything else the
mailer raises) is recorded as an attempt and retried with backoff
(:func:`notifications.domain.record_failure`), so that message waits while the others go: one
bad message never stalls the queue.
"""

from __future__ import annotations

import logging
from typing import Any

from nameko.extensions import DependencyProvider
from prometheus_client import Counter
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session

from chassis.background import WakeableLoop
from chassis.database import Database, Sessions
from chassis.types import utcnow
from notifications import domain
from notifications.mailer import DeliveryFailed, Mailer, SmtpMailer
from notifications.models import OutgoingMessage
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

    def __init__(self, mailer: SmtpMailer) -> None:
        self._mailer = mailer
        self._pending: list[tuple[Messages, OutgoingMessage]] = []
        self.left_for_loop = 0

    def queue(self, session: Session, event: dict, rendered: Rendered) -> None:
        """Store the message as pending and due at once; it is sent as the session commits,
        or by the delivery loop after the commit while the relay was unreachable lately."""
        messages = Messages(session)
        message = messages.add(event["event_id"], rendered, utcnow())
        if not self._mailer.reachable_lately():
            self.left_for_loop += 1
            return
        if not self._pending:
            orm_events.listen(session, "before_commit", self._send_pending, once=True)
            orm_events.listen(session, "after_soft_rollback", self._forget_pending, once=True)
        self._pending.append((messages, message))

    def _forget_pending(self, session: Session, previous_transaction: Any) -> None:
        self._pending = []  # rolled back with their rows: nothing to send

    def _send_pending(self, session: Session) -> None:
        pending, self._pending = self._pending, []
        for messages, message in pending:
            attempt(messages, message, self._mailer)


def failure_text(exc: Exception) -> str:
    """What an attempt records: the SMTP error as is, anything else with its type."""
    return str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"


def attempt(messages: Messages, message: OutgoingMessage, mailer: SmtpMailer) -> None:
    """Send one message and record the outcome on its row (in the caller's transaction)."""
    try:
        mailer.send(message)
    except Exception as exc:  # any failure is this message's, never the whole queue's
        error = failure_text(exc)
        if not isinstance(exc, DeliveryFailed):
            log.exception("message %s could not be built or sent", message.id)
        messages.record_attempt(message, error, utcnow())
        domain.record_failure(message, error, utcnow())
        DELIVERY_FAILURES.labels(str(message.status == domain.FAILED).lower()).inc()
        return
    messages.record_attempt(message, None, utcnow())
    domain.record_success(message, utcnow())


def deliver_next(sessions: Sessions, mailer: SmtpMailer) -> bool:
    """Try the oldest due message, in a transaction of its own; False when nothing is due."""
    with sessions.session() as session:
        messages = Messages(session)
        message = messages.claim_next_due(utcnow())
        if message is None:
            return False
        attempt(messages, message, mailer)
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
        return MessageQueue(self.mailer.mailer)

    def worker_teardown(self, worker_ctx) -> None:
        """The worker's transaction is over: send what it left to the loop now."""
        queue = worker_ctx.service.__dict__.get(self.attr_name)
        if isinstance(queue, MessageQueue) and queue.left_for_loop:
            self.loop.wake()

    def _deliver_one(self) -> bool:
        """One step of the loop: one message."""
        return deliver_next(self.database.sessions, self.mailer.mailer)
