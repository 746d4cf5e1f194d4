"""Entrypoints of the ``notifications`` service.

Events of other services become outgoing messages, written in the handler's transaction (the
handler runs once per ``event_id``). A timer sends what is due every second, one message per
transaction, each row claimed with ``FOR UPDATE SKIP LOCKED`` so replicas never send the same
message; each success is announced with ``message_sent`` through the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nameko.rpc import rpc
from nameko.timer import timer

from chassis import health, identity
from chassis.database import Database
from chassis.events import handle_event
from chassis.logging import Correlation
from chassis.outbox import Outbox
from contracts import notifications, requests
from contracts.errors import EXPECTED, Invalid
from notifications import domain
from notifications.mailer import DeliveryFailed, Mailer
from notifications.models import Base
from notifications.rendering import Composer
from notifications.repository import Messages

ADMIN_ROLES = ("admin",)
DELIVERY_BATCH = 20


def utcnow() -> datetime:
    return datetime.now(UTC)


class NotificationsService(health.Health):
    """E-mails to citizens at each step of their requests."""

    name = notifications.SERVICE

    db = Database(Base)
    outbox = Outbox()
    mailer = Mailer()
    composer = Composer()
    correlation = Correlation()

    @handle_event(requests.SERVICE, requests.REPORT_SUBMITTED, requests.ReportSubmitted)
    def on_report_submitted(self, session, event):
        """Confirm a report to its author, with the number and the private tracking link."""
        rendered = self.composer.report_submitted(event)
        Messages(session).add(event["event_id"], rendered, utcnow())

    @handle_event(requests.SERVICE, requests.REPORT_STATUS_CHANGED, requests.ReportStatusChanged)
    def on_report_status_changed(self, session, event):
        """Tell a report's author its new status and the agent's public comment."""
        rendered = self.composer.report_status_changed(event)
        Messages(session).add(event["event_id"], rendered, utcnow())

    @timer(interval=1)
    def deliver_pending_messages(self):
        """Send the messages that are due, up to a batch per tick."""
        for _ in range(DELIVERY_BATCH):
            with self.db.session() as session:
                if not self._deliver_next(session):
                    return

    def _deliver_next(self, session) -> bool:
        """Try the next due message; False when nothing is due."""
        messages = Messages(session)
        message = messages.claim_next_due(utcnow())
        if message is None:
            return False
        try:
            self.mailer.send(message)
        except DeliveryFailed as exc:
            messages.record_attempt(message, str(exc), utcnow())
            domain.record_failure(message, str(exc), utcnow())
            return True
        messages.record_attempt(message, None, utcnow())
        domain.record_success(message, utcnow())
        self.outbox.add(
            session,
            notifications.MESSAGE_SENT,
            notifications.MessageSent(),
            domain.message_view(message),
        )
        return True

    @rpc(expected_exceptions=EXPECTED)
    def list_messages(self, caller, recipient=None):
        """The newest outgoing messages, optionally for one recipient (admins only)."""
        identity.require_role(caller, ADMIN_ROLES)
        if recipient is not None and not isinstance(recipient, str):
            raise Invalid("Le filtre est invalide.", {"recipient": ["Adresse e-mail attendue."]})
        with self.db.session() as session:
            views = [domain.message_view(m) for m in Messages(session).list(recipient)]
        return notifications.OutgoingMessage(many=True).dump(views)
