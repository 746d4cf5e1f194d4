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
from contracts import (
    accounts,
    appointments,
    demarche_requests,
    family,
    family_activities,
    family_dossier,
    family_preregistration,
    hall,
    notifications,
    paging,
    requests,
)
from contracts.errors import EXPECTED, Invalid
from notifications import (
    account_messages,
    billing_handlers,
    contacts,
    domain,
    family_dossier_mails,
    family_mails,
    purges,
)
from notifications.delivery import Delivery, deliver_due
from notifications.mailer import Mailer
from notifications.models import Base
from notifications.rendering import Composer
from notifications.repository import Contacts, Messages

ADMIN_ROLES = ("admin",)
DELIVERY_BATCH = 20
"""At most this many messages per timer tick (the safety net; the delivery loop has no cap)."""


class NotificationsService(
    account_messages.AccountMessages,
    health.Health,
    retention.Retention,
    billing_handlers.BillingMails,
):
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
        """Tell a report's author its new status, unless their account declined such e-mails;
        and its followers, who asked for this news."""
        contact = Contacts(session).find(event["account_id"]) if event["account_id"] else None
        if contacts.progress_email_wanted(event, contact):
            self.delivery.queue(session, event, self.composer.report_status_changed(event))
        for rendered in self.composer.followed_report_changed(event):
            self.delivery.queue(session, event, rendered)

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

    @handle_event(family.SERVICE, family_dossier.DOSSIER_CHANGED, family_dossier.DossierChanged)
    def on_dossier_changed(self, session, event):
        """Confirm a family's change of its Dossier Unique (what applied, what waits)."""
        if event["changed_by"] == "famille":
            self._queue_family_mail(session, event, family_dossier_mails.dossier_changed_mail)

    @handle_event(
        family.SERVICE,
        family_dossier.DOSSIER_CHANGE_DECIDED,
        family_dossier.DossierChangeDecided,
    )
    def on_dossier_change_decided(self, session, event):
        """Tell the family an agent validated or refused its change, and why."""
        self._queue_family_mail(session, event, family_dossier_mails.dossier_change_decided_mail)

    @handle_event(
        family.SERVICE,
        family_preregistration.PREREGISTRATION_SUBMITTED,
        family_preregistration.PreregistrationSubmitted,
    )
    def on_preregistration_submitted(self, session, event):
        """Confirm a crèche or school pre-registration with its reference."""
        self._queue_family_mail(session, event, family_dossier_mails.preregistration_mail)

    @handle_event(
        family.SERVICE,
        family_preregistration.PREREGISTRATION_STATUS_CHANGED,
        family_preregistration.PreregistrationStatusChanged,
    )
    def on_preregistration_status_changed(self, session, event):
        """Tell the family the new status of its pre-registration and the agent's comment."""
        self._queue_family_mail(session, event, family_dossier_mails.preregistration_mail)

    def _queue_family_mail(self, session, event: dict, compose) -> None:
        recipient = family_mails.recipient_of(Contacts(session).find(event["account_id"]))
        if recipient is not None:
            mail = compose(event, recipient, self.composer.public_url)
            self.delivery.queue(session, event, self.composer.render(mail))

    @handle_event(
        family.SERVICE, family_activities.ATTENDANCE_CHANGED, family_activities.AttendanceChanged
    )
    def on_attendance_changed(self, session, event):
        """Confirm a change of a child's days (or a waiting-list promotion) to each linked
        account whose address is known."""
        found = Contacts(session)
        for account_id in dict.fromkeys(event["account_ids"]):
            recipient = family_mails.recipient_of(found.find(account_id))
            if recipient is not None:
                self.delivery.queue(session, event, self.composer.attendance_mail(event, recipient))

    @handle_event(
        family.SERVICE,
        family_activities.SCHOOL_YEAR_PUBLISHED,
        family_activities.SchoolYearPublished,
    )
    def on_school_year_published(self, session, event):
        """Tell each linked account whose address is known that the new year is online."""
        found = Contacts(session)
        for account_id in dict.fromkeys(event["account_ids"]):
            recipient = family_mails.recipient_of(found.find(account_id))
            if recipient is not None:
                self.delivery.queue(
                    session, event, self.composer.school_year_mail(event, recipient)
                )

    @handle_event(requests.SERVICE, appointments.APPOINTMENT_BOOKED, appointments.AppointmentBooked)
    def on_appointment_booked(self, session, event):
        """Confirm an appointment, with the manage link and the calendar file."""
        self._queue_appointment_mail(session, appointments.APPOINTMENT_BOOKED, event)

    @handle_event(requests.SERVICE, appointments.APPOINTMENT_MOVED, appointments.AppointmentMoved)
    def on_appointment_moved(self, session, event):
        """Give the new time of a moved appointment, with the updated calendar file."""
        self._queue_appointment_mail(session, appointments.APPOINTMENT_MOVED, event)

    @handle_event(
        requests.SERVICE, appointments.APPOINTMENT_CANCELLED, appointments.AppointmentCancelled
    )
    def on_appointment_cancelled(self, session, event):
        """Confirm a cancellation; the calendar file removes the appointment."""
        self._queue_appointment_mail(session, appointments.APPOINTMENT_CANCELLED, event)

    @handle_event(
        requests.SERVICE,
        appointments.APPOINTMENT_REMINDER_DUE,
        appointments.AppointmentReminderDue,
    )
    def on_appointment_reminder_due(self, session, event):
        """Remind an appointment the day before, with the link to free the slot."""
        self._queue_appointment_mail(session, appointments.APPOINTMENT_REMINDER_DUE, event)

    @handle_event(requests.SERVICE, hall.FEE_DUE, hall.FeeDue)
    def on_fee_due(self, session, event):
        """Tell the requester the hall is theirs and what to pay by when (billing invoices)."""
        if event["reference"].startswith("SDF-") and event["email"]:
            self.delivery.queue(session, event, self.composer.hall_mail(hall.FEE_DUE, event))

    @handle_event(requests.SERVICE, hall.HALL_BOOKING_REFUSED, hall.HallBookingRefused)
    def on_hall_booking_refused(self, session, event):
        """Tell the requester the hall cannot be theirs, and why."""
        if event["email"]:
            mail = self.composer.hall_mail(hall.HALL_BOOKING_REFUSED, event)
            self.delivery.queue(session, event, mail)

    @handle_event(
        requests.SERVICE,
        appointments.APPOINTMENT_SLOT_OFFERED,
        appointments.AppointmentSlotOffered,
    )
    def on_appointment_slot_offered(self, session, event):
        """Offer a freed slot to the first person of the week's waiting list."""
        self._queue_appointment_mail(session, appointments.APPOINTMENT_SLOT_OFFERED, event)

    def _queue_appointment_mail(self, session, event_type: str, event: dict) -> None:
        """Appointment e-mails are what the citizen asked for: sent whatever the preference
        for progress e-mails (an address forgotten with a closed account gets nothing)."""
        if event["email"]:
            self.delivery.queue(session, event, self.composer.appointment_mail(event_type, event))

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
