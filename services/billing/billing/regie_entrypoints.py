"""The régie's entrypoints (role ``agent_regie``), mixed into the billing service.

Agents find an invoice by family identifier or reference, record a payment received at the
counter, see the online payments held for review, and export the payments of a period for
the accounting of the régie (CSV, ``;``-separated, amounts in euros with a comma).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from nameko.rpc import rpc
from nameko.timer import timer

from billing import books, documents, domain
from billing.models import Payment
from billing.repository import Attempts, Invoices
from chassis import identity
from chassis.types import utcnow
from contracts import billing
from contracts.base import load_or_invalid
from contracts.errors import EXPECTED, Invalid, NotFound

CSV_COLUMNS = ("Date", "Référence facture", "Famille", "Moyen", "Montant", "Reçu n°")
BAD_PERIOD = "Indiquez une période valide (du … au …)."


class RegieEntrypoints:
    @rpc(expected_exceptions=EXPECTED)
    def find_invoices(self, caller, query):
        """Invoices of a family (its identifier) or the one with this reference."""
        identity.require_role(caller, billing.REGIE_ROLES)
        today = domain.paris_today(utcnow())
        with self.db.session() as session:
            invoices = Invoices(session)
            found = invoices.search(str(query or "").strip())
            views = [
                domain.invoice_view(i, today, invoices.has_blocking_attempt(i.id)) for i in found
            ]
            return billing.Invoice(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def record_counter_payment(self, caller, invoice_id, payload):
        """A payment received at the counter (contracts.billing.CounterPayment)."""
        identity.require_role(caller, billing.REGIE_ROLES)
        data = load_or_invalid(billing.CounterPayment(), payload)
        now = utcnow()
        with self.db.session() as session:
            invoice = _locked(session, invoice_id)
            payment = Payment(
                id=domain.new_id(),
                family_id=invoice.family_id,
                account_id=invoice.account_id,
                amount_cents=data["amount_cents"],
                method=data["method"],
                paid_at=now,
            )
            for event_type, schema, event in books.receive(
                session, invoice, payment, data["method"]
            ):
                self.outbox.add(session, event_type, schema, event)
            view = domain.invoice_view(invoice, domain.paris_today(now))
            return billing.Invoice().dump(view)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_invoice(self, caller, invoice_id, payload):
        """Cancel what is left to pay by a credit note (contracts.billing.CancelInvoice)."""
        identity.require_role(caller, billing.REGIE_ROLES)
        data = load_or_invalid(billing.CancelInvoice(), payload)
        now = utcnow()
        with self.db.session() as session:
            invoice = _locked(session, invoice_id)
            _, events = books.cancel(session, invoice, data["reason"], now)
            for event_type, schema, event in events:
                self.outbox.add(session, event_type, schema, event)
            return billing.Invoice().dump(domain.invoice_view(invoice, domain.paris_today(now)))

    @timer(interval=3600)
    def remind_overdue_invoices(self):
        """Once per invoice: ``invoice_overdue`` when its due date passed with money due
        (a paid or cancelled one is only marked, so that it is not looked at again)."""
        now = utcnow()
        today = domain.paris_today(now)
        with self.db.session() as session:
            for invoice in Invoices(session).overdue_not_reminded(today):
                invoice.reminded_at = now
                event = books.overdue_event(session, invoice)
                if event is not None:
                    self.outbox.add(session, *event)

    @rpc(expected_exceptions=EXPECTED)
    def list_review_queue(self, caller):
        """Online payments held for review, oldest first."""
        identity.require_role(caller, billing.REGIE_ROLES)
        with self.db.session() as session:
            items = [
                {
                    "attempt_id": attempt.id,
                    "invoice_id": attempt.invoice_id,
                    "invoice_reference": attempt.invoice.reference,
                    "provider": attempt.provider,
                    "amount_cents": attempt.amount_cents,
                    "reason": attempt.review_reason or "",
                    "updated_at": attempt.updated_at,
                }
                for attempt in Attempts(session).in_review()
            ]
            return billing.ReviewItem(many=True).dump(items)

    @rpc(expected_exceptions=EXPECTED)
    def settle_review(self, caller, attempt_id, payload):
        """Allocate or refund a payment held for review (contracts.billing.SettleReview)."""
        agent = identity.require_role(caller, billing.REGIE_ROLES)
        data = load_or_invalid(billing.SettleReview(), payload)
        now = utcnow()
        with self.db.session() as session:
            attempt = Attempts(session).lock(str(attempt_id))
            if attempt is None:
                raise NotFound("Paiement introuvable.")
            decision, events = books.settle_review(session, attempt, data, agent["account_id"], now)
            for event_type, schema, event in events:
                self.outbox.add(session, event_type, schema, event)
            return billing.ReviewDecision().dump(_decision_view(decision, attempt))

    @rpc(expected_exceptions=EXPECTED)
    def list_review_decisions(self, caller, limit=20):
        """The régie's latest decisions on payments held for review, newest first."""
        identity.require_role(caller, billing.REGIE_ROLES)
        with self.db.session() as session:
            found = Attempts(session).decisions(min(int(limit), 100))
            views = [_decision_view(decision, attempt) for decision, attempt in found]
            return billing.ReviewDecision(many=True).dump(views)

    @rpc(expected_exceptions=EXPECTED)
    def export_payments(self, caller, start, end):
        """The payments received from ``start`` to ``end`` (days, Europe/Paris), as CSV."""
        identity.require_role(caller, billing.REGIE_ROLES)
        first, last = _period(start, end)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        with self.db.session() as session:
            invoices = Invoices(session)
            for payment in invoices.payments_between(first, last):
                invoice = invoices.paid_by(payment)
                writer.writerow(
                    (
                        payment.paid_at.astimezone(domain.PARIS).strftime("%d/%m/%Y %H:%M"),
                        invoice.reference if invoice else "",
                        payment.family_id or "",
                        billing.PAYMENT_METHODS.get(payment.method, payment.method),
                        documents.euros(payment.amount_cents).replace(" €", ""),
                        payment.id,
                    )
                )
        content = out.getvalue().encode("utf-8-sig")  # with a BOM: spreadsheets read UTF-8
        document = documents.as_document(
            f"paiements-{start}-{end}.csv", content, "text/csv; charset=utf-8"
        )
        return billing.Document().dump(document)


def _decision_view(decision, attempt) -> dict:
    return {
        "attempt_id": attempt.id,
        "invoice_reference": attempt.invoice.reference,
        "decision": decision.decision,
        "decision_label": billing.SETTLEMENTS[decision.decision],
        "amount_cents": decision.amount_cents,
        "reason": decision.reason,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at,
        "payment_id": decision.payment_id,
    }


def _locked(session, invoice_id: str):
    """The invoice, locked until commit; NotFound when there is none."""
    invoice = Invoices(session).lock(str(invoice_id))
    if invoice is None:
        raise NotFound(domain.INVOICE_NOT_FOUND)
    return invoice


def _period(start: str, end: str) -> tuple[datetime, datetime]:
    try:
        first, last = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    except ValueError:
        raise Invalid(BAD_PERIOD, {"du": [BAD_PERIOD]}) from None
    if last < first:
        raise Invalid(BAD_PERIOD, {"au": [BAD_PERIOD]})
    begin = datetime.combine(first, time(), domain.PARIS)
    finish = datetime.combine(last + timedelta(days=1), time(), domain.PARIS)
    return begin, finish
