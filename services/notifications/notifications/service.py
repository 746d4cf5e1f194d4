"""Entrypoints of the ``notifications`` service.

Events of other services become outgoing messages, written in the handler's transaction (the
handler runs once per ``event_id``). The ``accounts`` events also feed a local projection of
each account's contact e-mail and progress e-mail preference (:mod:`notifications.contacts`). A timer sends what is due every second, one message per
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
from contracts import accounts, notifications, requests
from contracts.errors import EXPECTED, Invalid
from notifications import contacts, domain
from notifications.mailer import DeliveryFailed, Mailer
from notifications.models import Base
from notifications.rendering import Composer, Rendered
from notifications.repository import Contacts, Messages

ADMIN_ROLES = ("admin",)
DELIVERY_BATCH = 20


def utcnow() -> datetime:
    return datetime.now(UTC)


def queue(session, event: dict, rendered: Rendered) -> None:
    """Store the e-mail an event gives, due at once, in the handler's transaction."""
    Messages(session).add(event["event_id"], rendered, utcnow())


class NotificationsService(health.Health):
    """E-mails to citizens at each step of their requests, and about their accounts."""

    name = notifications.SERVICE

    db = Database(Base)
    outbox = Outbox()
    mailer = Mailer()
    composer = Composer()
    correlation = Correlation()

    @handle_event(requests.SERVICE, requests.REPORT_SUBMITTED, requests.ReportSubmitted)
    def on_report_submitted(self, session, event):
        """Confirm a report to its author, with the number and the private tracking link."""
        queue(session, event, self.composer.report_submitted(event))

    @handle_event(requests.SERVICE, requests.REPORT_STATUS_CHANGED, requests.ReportStatusChanged)
    def on_report_status_changed(self, session, event):
        """Tell a report's author its new status, unless their account declined such e-mails."""
        contact = Contacts(session).find(event["account_id"]) if event["account_id"] else None
        if contacts.progress_email_wanted(event, contact):
            queue(session, event, self.composer.report_status_changed(event))

    @handle_event(accounts.SERVICE, accounts.ACCOUNT_REGISTERED, accounts.AccountRegistered)
    def on_account_registered(self, session, event):
        """Record the new account's contact; send the link that confirms its address."""
        contacts.record_registration(Contacts(session).lock(event["account_id"]), event)
        self._queue_account_mail(session, accounts.ACCOUNT_REGISTERED, event)

    @handle_event(
        accounts.SERVICE,
        accounts.DUPLICATE_REGISTRATION_ATTEMPTED,
        accounts.DuplicateRegistrationAttempted,
    )
    def on_duplicate_registration_attempted(self, session, event):
        """Tell the holder of an address that someone tried to register it again."""
        self._queue_account_mail(session, accounts.DUPLICATE_REGISTRATION_ATTEMPTED, event)

    @handle_event(
        accounts.SERVICE, accounts.PASSWORD_RESET_REQUESTED, accounts.PasswordResetRequested
    )
    def on_password_reset_requested(self, session, event):
        """Send the link to choose a password (forgotten password or agent invitation)."""
        self._queue_account_mail(session, accounts.PASSWORD_RESET_REQUESTED, event)

    @handle_event(accounts.SERVICE, accounts.PASSWORD_CHANGED, accounts.PasswordChanged)
    def on_password_changed(self, session, event):
        """Warn the account holder that the password changed."""
        self._queue_account_mail(session, accounts.PASSWORD_CHANGED, event)

    @handle_event(accounts.SERVICE, accounts.EMAIL_CHANGE_REQUESTED, accounts.EmailChangeRequested)
    def on_email_change_requested(self, session, event):
        """Send the confirmation link to the new address."""
        self._queue_account_mail(session, accounts.EMAIL_CHANGE_REQUESTED, event)

    @handle_event(accounts.SERVICE, accounts.ACCOUNT_EMAIL_CHANGED, accounts.AccountEmailChanged)
    def on_account_email_changed(self, session, event):
        """Record the new contact e-mail; warn the previous address."""
        contact = Contacts(session).lock(event["account_id"])
        contacts.record_email(contact, event["email"], event["occurred_at"])
        self._queue_account_mail(session, accounts.ACCOUNT_EMAIL_CHANGED, event)

    @handle_event(
        accounts.SERVICE,
        accounts.NOTIFICATION_PREFERENCES_CHANGED,
        accounts.NotificationPreferencesChanged,
    )
    def on_notification_preferences_changed(self, session, event):
        """Record whether the account wants the progress e-mails of its reports."""
        contact = Contacts(session).lock(event["account_id"])
        contacts.record_preference(contact, event["email_notifications"], event["occurred_at"])

    @handle_event(accounts.SERVICE, accounts.ACCOUNT_CLOSED, accounts.AccountClosed)
    def on_account_closed(self, session, event):
        """Stop progress e-mails to a closed account and forget its address."""
        contacts.record_closure(Contacts(session).lock(event["account_id"]))

    def _queue_account_mail(self, session, event_type: str, event: dict) -> None:
        queue(session, event, self.composer.account_mail(event_type, event))

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
