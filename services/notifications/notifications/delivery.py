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

What is not sent there (a failed attempt, a retry that became due, a ``bulk`` message such as
the thousands of ``invoice_issued`` of a monthly run) is sent by ``LOOPS`` background loops
(:class:`chassis.background.WakeableLoop`), woken by the handler that left them a message and
every second otherwise, that send due messages ``BATCH_SIZE`` per transaction (one claim, the
successes recorded in two statements, one commit) until none is left, with no cap per pass.
A handler of a bulk message thus only writes its row: its transaction is a third shorter,
and the e-mails of a burst go out over the loops' kept SMTP sessions, as clients send them.
The service's timer sends due messages too, with :func:`deliver_due`, as a safety net that
does not depend on the loop.

Outside the handlers, messages are sent in batches (:func:`deliver_batch`), their rows claimed
with ``FOR UPDATE SKIP LOCKED``: the loop, the timer and other replicas never send the same
message.
A success is recorded on the row and its attempts. Any failure of one message (the SMTP server
refusing it or unreachable, an e-mail that cannot be built from the row, anything else the
mailer raises) is recorded as an attempt and retried with backoff
(:func:`notifications.domain.record_failure`), so that message waits while the others go: one
bad message never stalls the queue.
"""

from __future__ import annotations

import itertools
import logging
from datetime import datetime
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
BATCH_SIZE = 50
"""Messages the delivery loop sends per transaction. A crash between sending and the commit
sends them again (at least once, never lost): a batch is kept small."""
LOOPS = 6
"""Delivery loops side by side, each with its own SMTP session and its own claimed batches.
One loop shares the process with up to ten event handlers: during a burst it got one turn in
eleven and sent a third of what the SMTP relay takes from one client (``bench/invoicing.py``);
six keep the e-mails of a monthly run within two seconds of their events."""
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

    def queue(self, session: Session, event: dict, rendered: Rendered, bulk: bool = False) -> None:
        """Store the message as pending and due at once; it is sent as the session commits,
        or by the delivery loop after the commit: while the relay was unreachable lately,
        and for a ``bulk`` message (one of thousands at once, a monthly run's invoices),
        which the loop sends with others, many per transaction (``deliver_batch``)."""
        messages = Messages(session)
        if bulk or not self._mailer.reachable_lately():
            messages.store(event["event_id"], rendered, utcnow())
            self.left_for_loop += 1
            return
        message = messages.add(event["event_id"], rendered, utcnow())
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
    if _send(messages, message, mailer):
        messages.record_attempt(message, None, utcnow())
        domain.record_success(message, utcnow())


def _send(messages: Messages, message: OutgoingMessage, mailer: SmtpMailer) -> bool:
    """Send one message; a failure is recorded on its row (and False returned)."""
    try:
        mailer.send(message)
    except Exception as exc:  # any failure is this message's, never the whole queue's
        error = failure_text(exc)
        if not isinstance(exc, DeliveryFailed):
            log.exception("message %s could not be built or sent", message.id)
        messages.record_attempt(message, error, utcnow())
        domain.record_failure(message, error, utcnow())
        log.warning(  # the kind of error only: an SMTP answer may quote the address
            "message %s not sent (attempt %s, next %s): %s",
            message.id,
            message.attempts,
            message.next_attempt_at.isoformat() if message.next_attempt_at else "none",
            error.split(":", 1)[0],
        )
        DELIVERY_FAILURES.labels(str(message.status == domain.FAILED).lower()).inc()
        return False
    return True


def deliver_batch(sessions: Sessions, mailer: SmtpMailer, limit: int = BATCH_SIZE) -> int:
    """Try up to ``limit`` due messages, oldest first, in one transaction (one commit for
    all their outcomes, the successes written in two statements); returns how many were
    tried. Once the relay cannot be reached, the rest of the batch is left as it was, due,
    for the next pass."""
    tried = 0
    with sessions.session() as session:
        messages = Messages(session)
        sent: list[tuple[int, datetime]] = []
        for message in messages.claim_due(utcnow(), limit):
            if _send(messages, message, mailer):
                sent.append((message.id, utcnow()))
            tried += 1
            if not mailer.reachable_lately():
                break
        messages.record_sent(sent)
    return tried


def deliver_due(sessions: Sessions, mailer: SmtpMailer, limit: int | None = None) -> int:
    """Try due messages, a batch at a time, until none is left (or ``limit`` were tried, or
    the relay cannot be reached); returns how many."""
    tried = 0
    while limit is None or tried < limit:
        wanted = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - tried)
        done = deliver_batch(sessions, mailer, wanted)
        tried += done
        if done < wanted:
            break
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
        self.loops = [
            WakeableLoop(f"message_delivery_{n}", self._deliver_batch, idle_seconds=IDLE_SECONDS)
            for n in range(LOOPS)
        ]
        self._turns = itertools.cycle(self.loops)

    def start(self) -> None:
        for loop in self.loops:
            loop.start(self.container)

    def stop(self) -> None:
        for loop in self.loops:
            loop.kill()  # all asked at once, then each waited for
        for loop in self.loops:
            loop.stop()

    def kill(self) -> None:
        for loop in self.loops:
            loop.kill()

    def get_dependency(self, worker_ctx) -> MessageQueue:
        return MessageQueue(self.mailer.mailer)

    def worker_teardown(self, worker_ctx) -> None:
        """The worker's transaction is over: send what it left to the loop now."""
        queue = worker_ctx.service.__dict__.get(self.attr_name)
        if isinstance(queue, MessageQueue) and queue.left_for_loop:
            next(self._turns).wake()  # one loop per message left: a burst wakes them all

    def _deliver_batch(self) -> bool:
        """One step of the loop: a batch; True when it was full (more may be due)."""
        mailer = self.mailer.mailer
        tried = deliver_batch(self.database.sessions, mailer)
        return tried == BATCH_SIZE and mailer.reachable_lately()
