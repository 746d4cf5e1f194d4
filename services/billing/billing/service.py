"""Entrypoints of the ``billing`` service: load, authorize, decide, store with its event, dump.

The RPC methods are those listed in :mod:`contracts.billing`; invoices and the ledger here,
online payment in :mod:`billing.payment_entrypoints` and the régie's back office in
:mod:`billing.regie_entrypoints`, attendance and the monthly run in
:mod:`billing.invoicing_entrypoints` (mixins, imported as modules). The
rules live in :mod:`billing.domain` and :mod:`billing.payments`; the writes to the books in
:mod:`billing.books`. ``family.family_space_activated`` and ``accounts.account_closed`` keep
the projection of which accounts see which family's invoices.
"""

from __future__ import annotations

from nameko.rpc import rpc

from billing import (
    books,
    documents,
    domain,
    invoicing_entrypoints,
    payment_entrypoints,
    regie_entrypoints,
)
from billing.models import Base, Payment
from billing.providers import PaymentProviders
from billing.repository import Access, Invoices, Quotients
from chassis import health, identity
from chassis.database import Database
from chassis.events import handle_event
from chassis.logging import Correlation
from chassis.outbox import Outbox
from chassis.types import utcnow
from contracts import accounts, billing, family, family_dossier, hall
from contracts.errors import EXPECTED, NotFound


class BillingService(
    health.Health,
    payment_entrypoints.PaymentEntrypoints,
    regie_entrypoints.RegieEntrypoints,
    invoicing_entrypoints.InvoicingEntrypoints,
):
    """Invoices of families and accounts, their ledger, receipts and online payment."""

    name = billing.SERVICE

    db = Database(Base)
    outbox = Outbox()
    correlation = Correlation()
    callers = identity.CallerVerification()
    providers = PaymentProviders()

    @rpc(expected_exceptions=EXPECTED)
    def list_invoices(self, caller):
        """The ledger of the caller's linked families and of their account (contracts.billing.Ledger)."""
        account_id = identity.load(caller)["account_id"]
        today = domain.paris_today(utcnow())
        with self.db.session() as session:
            invoices = Invoices(session)
            debtor = Access(session).debtor(account_id)
            views = [
                domain.invoice_view(found, today, invoices.has_blocking_attempt(found.id))
                for found in invoices.of(debtor)
            ]
            ledger = domain.ledger(views, invoices.credit_cents(debtor))
            return billing.Ledger().dump(ledger)

    @rpc(expected_exceptions=EXPECTED)
    def get_invoice(self, caller, invoice_id):
        """One invoice of the caller's (contracts.billing.Invoice); NotFound otherwise."""
        with self.db.session() as session:
            return billing.Invoice().dump(self._view(session, caller, invoice_id))

    @rpc(expected_exceptions=EXPECTED)
    def invoice_pdf(self, caller, invoice_id):
        """The invoice as a PDF (contracts.billing.Document)."""
        with self.db.session() as session:
            view = self._view(session, caller, invoice_id)
            content = documents.invoice_pdf(view)
        return billing.Document().dump(
            documents.as_document(f"facture-{view['reference']}.pdf", content)
        )

    @rpc(expected_exceptions=EXPECTED)
    def receipt_pdf(self, caller, payment_id):
        """The receipt of one of the caller's payments (contracts.billing.Document)."""
        account_id = identity.load(caller)["account_id"]
        with self.db.session() as session:
            payment = session.get(Payment, str(payment_id))
            invoice = Invoices(session).paid_by(payment)
            if not Access(session).debtor(account_id).sees(invoice):
                raise NotFound("Reçu introuvable.")
            content = documents.receipt_pdf(payment, invoice)
            reference = invoice.reference
        return billing.Document().dump(documents.as_document(f"recu-{reference}.pdf", content))

    def _view(self, session, caller, invoice_id) -> dict:
        account_id = identity.load(caller)["account_id"]
        invoices = Invoices(session)
        debtor = Access(session).debtor(account_id)
        found = domain.visible(invoices.get(str(invoice_id)), debtor)
        today = domain.paris_today(utcnow())
        return domain.invoice_view(found, today, invoices.has_blocking_attempt(found.id))

    @handle_event(family.SERVICE, family.FAMILY_SPACE_ACTIVATED, family.FamilySpaceActivated)
    def on_family_space_activated(self, session, event):
        """The account now sees the family's invoices."""
        Access(session).link(event["family_id"], event["account_id"], utcnow())

    @handle_event(
        family_dossier.SERVICE, family_dossier.QUOTIENT_CHANGED, family_dossier.QuotientChanged
    )
    def on_quotient_changed(self, session, event):
        """The family's quotient familial, for its tariff bracket (latest announcement wins)."""
        Quotients(session).record(event)

    @handle_event(hall.SERVICE, hall.FEE_DUE, hall.FeeDue)
    def on_fee_due(self, session, event):
        """A fee becomes an invoice for the account, once per fee reference."""
        if Invoices(session).by_fee(event["reference"]) is not None:
            return
        _, events = books.issue(session, books.fee_bill(event), utcnow())
        for event_type, schema, data in events:
            self.outbox.add(session, event_type, schema, data)

    @handle_event(accounts.SERVICE, accounts.ACCOUNT_CLOSED, accounts.AccountClosed)
    def on_account_closed(self, session, event):
        """A closed account sees no family's invoices any more; the invoices stay."""
        Access(session).unlink_account(event["account_id"])
