"""Entrypoints of the ``notifications`` service.

Events of other services become outgoing messages, written in the handler's transaction (the
handler runs once per ``event_id``); ``family_space_activated`` becomes a notice to the
account holder. The ``accounts`` events also feed a local projection of
each account's contact e-mail and progress e-mail preference (:mod:`notifications.contacts`).
Messages are sent by :mod:`notifications.delivery`: right after the handler that queued them,
by a background loop; the timer here is its safety net for retries that became due.
"""

from __future__ import annotations

from nameko.rpc import rpc
from nameko.timer import timer

from chassis import health, identity, retention
from chassis.database import Database
from chassis.events import handle_event
from chassis.logging import Correlation
from contracts import accounts, demarche_requests, family, notifications, paging, requests
from contracts.errors import EXPECTED, Invalid
from notifications import account_messages, contacts, domain, family_mails, purges
from notifications.delivery import Delivery, deliver_due
from notifications.mailer import Mailer
from notifications.models import Base
from notifications.rendering import Composer
from notifications.repository import Contacts, Messages

ADMIN_ROLES = ("admin",)
DELIVERY_BATCH = 20
"""At most this many messages per timer tick (the safety net; the delivery loop has no cap)."""


class NotificationsService(account_messages.AccountMessages, health.Health, retention.Retention):
    """E-mails to citizens at each step of their requests, and about their accounts."""

    name = notifications.SERVICE
    retention_rules = purges.RULES

    db = Database(Base)
    mailer = Mailer()
    delivery = Delivery()
    composer = Composer()
    correlation = Correlation()
    callers = identity.CallerVerification()

    @handle_event(requests.SERVICE, requests.REPORT_SUBMITTED, requests.ReportSubmitted)
    def on_report_submitted(self, session, event):
        """Confirm a report to its author, with the number and the private tracking link."""
        self.delivery.queue(session, event, self.composer.report_submitted(event))

    @handle_event(requests.SERVICE, requests.REPORT_STATUS_CHANGED, requests.ReportStatusChanged)
    def on_report_status_changed(self, session, event):
        """Tell a report's author its new status, unless their account declined such e-mails."""
        contact = Contacts(session).find(event["account_id"]) if event["account_id"] else None
        if contacts.progress_email_wanted(event, contact):
            self.delivery.queue(session, event, self.composer.report_status_changed(event))

    @handle_event(
        requests.SERVICE, demarche_requests.DEMARCHE_SUBMITTED, demarche_requests.DemarcheSubmitted
    )
    def on_demarche_submitted(self, session, event):
        """Confirm a démarche request, with its number and private tracking link."""
        self._queue_demarche_mail(session, demarche_requests.DEMARCHE_SUBMITTED, event)

    @handle_event(
        requests.SERVICE,
        demarche_requests.DEMARCHE_STATUS_CHANGED,
        demarche_requests.DemarcheStatusChanged,
    )
    def on_demarche_status_changed(self, session, event):
        """Tell the requester the new status, as their account's preference allows."""
        self._queue_demarche_mail(session, demarche_requests.DEMARCHE_STATUS_CHANGED, event)

    def _queue_demarche_mail(self, session, event_type, event):
        """Only at the statuses the démarche e-mails (``notify``), to those who want them."""
        contact = Contacts(session).find(event["account_id"]) if event["account_id"] else None
        if event["notify"] and contacts.progress_email_wanted(event, contact):
            self.delivery.queue(session, event, self.composer.demarche_mail(event_type, event))

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
        """Stop progress e-mails to a closed account and forget its address everywhere: the
        projection, the messages sent to it (pending ones are dropped) and event copies."""
        contact = Contacts(session).lock(event["account_id"])
        addresses = {address for address in (contact.email, event["email"]) if address}
        contacts.record_closure(contact)
        Messages(session).forget_recipient(addresses)
        retention.forget_values(session, Base.metadata, addresses)

    @handle_event(family.SERVICE, family.FAMILY_SPACE_ACTIVATED, family.FamilySpaceActivated)
    def on_family_space_activated(self, session, event):
        """Tell the account holder their account now opens a family's space."""
        recipient = family_mails.recipient_of(Contacts(session).find(event["account_id"]))
        if recipient is not None:
            mail = self.composer.family_space_activated(event, recipient)
            self.delivery.queue(session, event, mail)

    def _queue_account_mail(self, session, event_type: str, event: dict) -> None:
        self.delivery.queue(session, event, self.composer.account_mail(event_type, event))

    @timer(interval=1)
    def deliver_pending_messages(self):
        """Send the messages that are due, up to a batch per tick.

        The delivery loop already sends each message right after its handler and looks for due
        retries every second; this tick keeps due messages moving should the loop be stuck.
        """
        deliver_due(self.db, self.mailer, limit=DELIVERY_BATCH)

    @rpc(expected_exceptions=EXPECTED)
    def list_messages(self, caller, recipient=None, page=None, size=None):
        """One page of outgoing messages, newest first, optionally for one recipient (admins)."""
        identity.require_role(caller, ADMIN_ROLES)
        if recipient is not None and not isinstance(recipient, str):
            raise Invalid("Le filtre est invalide.", {"recipient": ["Adresse e-mail attendue."]})
        page, size = paging.page_request(page, size)
        with self.db.session() as session:
            found, total = Messages(session).list(recipient, page, size)
            views = [domain.message_view(m) for m in found]
        return notifications.OutgoingMessagePage().dump(paging.page_view(views, page, size, total))
