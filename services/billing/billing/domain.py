"""Rules of billing: references, the state of an invoice in the ledger, who sees what.

Free of nameko and of sessions: rows (or any object with the same attributes) come in,
plain values go out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts import billing as contract
from contracts.dates_fr import PARIS as PARIS  # due dates are days in Europe/Paris
from contracts.dates_fr import paris_today as paris_today
from contracts.errors import Conflict, NotFound

FAMILY_REGIE = "PERI"
"""Régie of the Espace famille invoices (périscolaire, restauration, centre de loisirs)."""
FEE_REGIE = "DIV"
"""Régie of the other fees (salle des fêtes, démarches that cost money)."""
NO_FAMILY = "0"
"""Second element of a fee invoice's reference, which belongs to an account, not a family."""

INVOICE_NOT_FOUND = "Facture introuvable."
ONLINE_MINIMUM_CENTS = 100
"""PayFiP takes 1 EUR to 100,000 EUR; the same bounds are used whatever the provider."""
ONLINE_MAXIMUM_CENTS = 10_000_000


def new_id() -> str:
    return uuid.uuid4().hex


def reference(regie: str, family_id: str | None, issued_on: date, number: int) -> str:
    """``<régie>-<family id>-<yyyymm>-<n>``: the family identifier is always second."""
    return f"{regie}-{family_id or NO_FAMILY}-{issued_on:%Y%m}-{number}"


def paid_cents(invoice: Any) -> int:
    """What payments and credit notes settled of the invoice."""
    return sum(allocation.amount_cents for allocation in invoice.allocations)


def cancelled(invoice: Any) -> bool:
    """A credit note made for this very invoice settled it: the régie cancelled it."""
    notes = [getattr(allocation, "credit_note", None) for allocation in invoice.allocations]
    return any(note is not None and note.invoice_id == invoice.id for note in notes)


def status(invoice: Any, today: date) -> str:
    if cancelled(invoice):
        return "annulee"
    settled = paid_cents(invoice)
    if settled >= invoice.total_cents:
        return "payee"
    if invoice.due_date < today:
        return "en_retard"
    return "partiellement_payee" if settled else "a_payer"


def not_payable_reason(invoice: Any, today: date, open_attempt: bool) -> str | None:
    """Why the invoice cannot be paid online now, in French; None when it can."""
    balance = invoice.total_cents - paid_cents(invoice)
    if cancelled(invoice):
        return "Cette facture a été annulée par la régie."
    if balance <= 0:
        return "Cette facture est déjà payée."
    if open_attempt:
        return "Un paiement de cette facture est en cours de vérification."
    if invoice.due_date < today:
        return (
            "La date limite de paiement en ligne est passée : réglez cette facture auprès de la "
            "régie (espèces, chèque, CESU) ou du Trésor public."
        )
    if not ONLINE_MINIMUM_CENTS <= balance <= ONLINE_MAXIMUM_CENTS:
        return "Le paiement en ligne accepte de 1 € à 100 000 €."
    return None


def invoice_view(invoice: Any, today: date, open_attempt: bool = False) -> dict:
    settled = paid_cents(invoice)
    state = status(invoice, today)
    reason = not_payable_reason(invoice, today, open_attempt)
    payments = [
        {
            "id": a.payment.id,
            "amount_cents": a.payment.amount_cents,
            "method": a.payment.method,
            "method_label": contract.PAYMENT_METHODS.get(a.payment.method, a.payment.method),
            "paid_at": a.payment.paid_at,
        }
        for a in invoice.allocations
        if a.payment is not None
    ]
    return {
        "id": invoice.id,
        "reference": invoice.reference,
        "family_id": invoice.family_id,
        "label": invoice.label,
        "issued_on": invoice.issued_on,
        "due_date": invoice.due_date,
        "total_cents": invoice.total_cents,
        "paid_cents": settled,
        "balance_cents": invoice.total_cents - settled,
        "status": state,
        "status_label": contract.INVOICE_STATUSES[state],
        "payable_online": reason is None,
        "not_payable_reason": reason,
        "lines": list(invoice.lines),
        "payments": payments,
    }


def offsets(available: list[tuple[Any, int]], balance: int) -> list[tuple[Any, int]]:
    """How credits settle ``balance``: each source, in the order given (oldest first), gives
    what it has left until nothing is due; sources with nothing left give nothing."""
    taken = []
    for source, cents in available:
        part = min(cents, balance)
        if part <= 0:
            continue
        taken.append((source, part))
        balance -= part
    return taken


def ledger(views: list[dict], credit_cents: int) -> dict:
    """The family space's totals: to pay (overdue included), overdue, paid, credits."""
    return {
        "invoices": views,
        "to_pay_cents": sum(v["balance_cents"] for v in views if v["balance_cents"] > 0),
        "overdue_cents": sum(v["balance_cents"] for v in views if v["status"] == "en_retard"),
        "paid_cents": sum(v["paid_cents"] for v in views),
        "credit_cents": credit_cents,
    }


@dataclass(frozen=True)
class Debtor:
    """Whose invoices a caller sees: the families their account is linked to, and itself."""

    account_id: str | None
    family_ids: frozenset[str]

    def sees(self, invoice: Any) -> bool:
        if invoice is None:
            return False
        if invoice.family_id is not None:
            return invoice.family_id in self.family_ids
        return self.account_id is not None and invoice.account_id == self.account_id


def visible(invoice: Any, debtor: Debtor) -> Any:
    """The invoice, or NotFound whether it exists or belongs to someone else."""
    if not debtor.sees(invoice):
        raise NotFound(INVOICE_NOT_FOUND)
    return invoice


def check_payable(invoice: Any, today: date, open_attempt: bool) -> int:
    """The balance to pay online, or Conflict with the reason shown to the citizen."""
    reason = not_payable_reason(invoice, today, open_attempt)
    if reason is not None:
        raise Conflict(reason)
    return invoice.total_cents - paid_cents(invoice)


def invoice_event(invoice: Any, account_ids: list[str], amount_cents: int) -> dict:
    """The fields every invoice event shares (``contracts.billing.InvoiceFields``)."""
    return {
        "invoice_id": invoice.id,
        "invoice_reference": invoice.reference,
        "family_id": invoice.family_id,
        "account_id": invoice.account_id,
        "account_ids": account_ids,
        "email": invoice.email,
        "amount_cents": amount_cents,
    }
