"""E-mails about invoices and payments, mixed into the notifications service.

    class NotificationsService(..., billing_handlers.BillingMails): ...

Each ``billing`` event is handled once per ``event_id``; what it says and to whom is decided
in :mod:`notifications.billing_mails`.
"""

from __future__ import annotations

from chassis.events import handle_event
from contracts import billing
from notifications import billing_mails
from notifications.repository import Contacts


class BillingMails:
    def _queue_billing_mail(self, session, event_type: str, event: dict) -> None:
        to = billing_mails.recipient(event, Contacts(session).find)
        rendered = None if to is None else self.composer.billing_mail(event_type, event, to)
        if rendered is not None:
            self.delivery.queue(session, event, rendered)

    @handle_event(billing.SERVICE, billing.INVOICE_ISSUED, billing.InvoiceIssued)
    def on_invoice_issued(self, session, event):
        """A new invoice to pay, with its link."""
        self._queue_billing_mail(session, billing.INVOICE_ISSUED, event)

    @handle_event(billing.SERVICE, billing.PAYMENT_SUCCEEDED, billing.PaymentSucceeded)
    def on_payment_succeeded(self, session, event):
        """A partial payment, with its receipt (a full one is told by invoice_paid)."""
        self._queue_billing_mail(session, billing.PAYMENT_SUCCEEDED, event)

    @handle_event(billing.SERVICE, billing.INVOICE_PAID, billing.InvoicePaid)
    def on_invoice_paid(self, session, event):
        """The invoice is settled, with the receipt of the payment that settled it."""
        self._queue_billing_mail(session, billing.INVOICE_PAID, event)

    @handle_event(billing.SERVICE, billing.PAYMENT_FAILED, billing.PaymentFailed)
    def on_payment_failed(self, session, event):
        """A refused payment: nothing was taken, the invoice is still to pay."""
        self._queue_billing_mail(session, billing.PAYMENT_FAILED, event)

    @handle_event(billing.SERVICE, billing.INVOICE_OVERDUE, billing.InvoiceOverdue)
    def on_invoice_overdue(self, session, event):
        """A reminder: the due date passed and money is still due."""
        self._queue_billing_mail(session, billing.INVOICE_OVERDUE, event)

    @handle_event(billing.SERVICE, billing.PAYMENT_UNDER_REVIEW, billing.PaymentUnderReview)
    def on_payment_under_review(self, session, event):
        """The régie checks a payment whose amount did not match: do not pay twice."""
        self._queue_billing_mail(session, billing.PAYMENT_UNDER_REVIEW, event)
