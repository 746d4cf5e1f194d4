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
        bulk = event_type in billing_mails.BULK
        for to in billing_mails.recipients(event, Contacts(session).addresses):
            rendered = self.composer.billing_mail(event_type, event, to)
            if rendered is not None:
                self.delivery.queue(session, event, rendered, bulk=bulk)

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

    @handle_event(
        billing.SERVICE, billing.CHILDCARE_CERTIFICATE_ISSUED, billing.ChildcareCertificateIssued
    )
    def on_childcare_certificate_issued(self, session, event):
        """The yearly childcare certificate can be downloaded from the invoices page."""
        self._queue_billing_mail(session, billing.CHILDCARE_CERTIFICATE_ISSUED, event)

    @handle_event(billing.SERVICE, billing.INVOICE_CANCELLED, billing.InvoiceCancelled)
    def on_invoice_cancelled(self, session, event):
        """The régie cancelled what was left to pay, with its reason."""
        self._queue_billing_mail(session, billing.INVOICE_CANCELLED, event)

    @handle_event(billing.SERVICE, billing.PAYMENT_TO_REFUND, billing.PaymentToRefund)
    def on_payment_to_refund(self, session, event):
        """The régie will refund a payment it held for review, with its reason."""
        self._queue_billing_mail(session, billing.PAYMENT_TO_REFUND, event)
