"""Writing to the books: issuing an invoice, booking a verified online payment.

Each function works inside the caller's transaction and returns the events to add to the
outbox in that same transaction, as ``(event type, schema, data)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from billing import domain, payments
from billing.models import (
    Allocation,
    CreditNote,
    Invoice,
    Payment,
    PaymentAttempt,
    ReviewDecision,
)
from billing.payments import Decision, Verdict
from billing.repository import Access, Invoices
from contracts import billing as contract
from contracts.errors import Conflict

NOTHING_TO_CANCEL = "Cette facture est déjà soldée ou annulée : il n'y a rien à annuler."

Event = tuple[str, object, dict]


@dataclass(frozen=True)
class Line:
    label: str
    quantity: int
    unit_cents: int


@dataclass(frozen=True)
class Bill:
    """What to invoice: one debtor (a family or an account), a label, dates and lines."""

    regie: str
    label: str
    issued_on: date
    due_date: date
    lines: tuple[Line, ...]
    family_id: str | None = None
    account_id: str | None = None
    email: str | None = None
    fee_reference: str | None = None


def issue(session: Session, bill: Bill, now: datetime) -> tuple[Invoice, list[Event]]:
    """A numbered invoice (no gap per régie and year) and its ``invoice_issued`` event."""
    ((invoice, event),) = issue_all(session, [bill], now)
    return invoice, [event]


def issue_all(session: Session, bills: list[Bill], now: datetime) -> list[tuple[Invoice, Event]]:
    """``issue`` for each bill, numbered in their order, in a fixed number of statements
    (the monthly run issues thousands): the accounts, who may have a credit, one block of
    numbers per régie and year, the invoices, their lines."""
    if not bills:
        return []
    invoices = Invoices(session)
    access = Access(session)
    families = sorted({bill.family_id for bill in bills if bill.family_id})
    linked = access.accounts_of_families(families) if families else {}
    with_credit = invoices.debtors_with_credit({(b.family_id, b.account_id) for b in bills})
    # the numbers last: the counter row stays locked from here to the commit (no gap), so
    # what can be read or computed before is
    counts = Counter((bill.regie, bill.issued_on.year) for bill in bills)
    numbers = {
        key: iter(invoices.next_numbers(*key, count)) for key, count in sorted(counts.items())
    }
    issued, lines = [], []
    for bill in bills:
        invoice_id = domain.new_id()
        number = next(numbers[bill.regie, bill.issued_on.year])
        rows = [
            {
                "invoice_id": invoice_id,
                "position": position,
                "label": line.label,
                "quantity": line.quantity,
                "unit_cents": line.unit_cents,
                "amount_cents": line.quantity * line.unit_cents,
            }
            for position, line in enumerate(bill.lines, start=1)
        ]
        lines += rows
        issued.append(
            Invoice(
                id=invoice_id,
                regie=bill.regie,
                year=bill.issued_on.year,
                number=number,
                reference=domain.reference(bill.regie, bill.family_id, bill.issued_on, number),
                family_id=bill.family_id,
                account_id=bill.account_id,
                email=bill.email,
                fee_reference=bill.fee_reference,
                label=bill.label,
                issued_on=bill.issued_on,
                due_date=bill.due_date,
                total_cents=sum(row["amount_cents"] for row in rows),
                created_at=now,
            )
        )
    invoices.add_all(issued, lines)
    done, schema = [], contract.InvoiceIssued()  # one schema for all: each costs a deep copy
    for bill, invoice in zip(bills, issued, strict=True):
        if (bill.family_id, bill.account_id) in with_credit:
            _offset_credits(session, invoice)
        else:  # no payment nor credit note at all: nothing to offset, nothing to read back
            set_committed_value(invoice, "allocations", [])
        accounts = [bill.account_id] if bill.account_id is not None else linked[bill.family_id]
        data = {
            **domain.invoice_event(invoice, accounts, invoice.total_cents),
            "label": invoice.label,
            "due_date": invoice.due_date,
            "reference": invoice.fee_reference,
        }
        done.append((invoice, (contract.INVOICE_ISSUED, schema, data)))
    return done


def _offset_credits(session: Session, invoice: Invoice) -> None:
    """Money the debtor has in credit (an overpayment, a credit note) settles the new invoice."""
    available = Invoices(session).available_credits(invoice.family_id, invoice.account_id)
    taken = domain.offsets(available, invoice.total_cents)
    for (kind, source_id), cents in taken:
        source = {"payment_id": source_id} if kind == "payment" else {"credit_note_id": source_id}
        session.add(Allocation(invoice_id=invoice.id, amount_cents=cents, **source))
    if taken:
        session.flush()
        session.refresh(invoice, ["allocations"])
    else:  # a new invoice with nothing allocated: no need to read it back
        set_committed_value(invoice, "allocations", [])


def apply(
    session: Session, attempt: PaymentAttempt, verdict: Verdict, decision: Decision, now: datetime
) -> list[Event]:
    """Move the (locked) attempt as ``decision`` says; book and allocate a payment once."""
    if decision.action == "ignore":
        return []
    attempt.state = decision.state
    attempt.updated_at = now
    attempt.provider_reference = verdict.provider_reference or attempt.provider_reference
    invoice = Invoices(session).lock(attempt.invoice_id)
    base = domain.invoice_event(invoice, Access(session).accounts_of(invoice), attempt.amount_cents)
    if decision.action == "review":
        attempt.review_reason = decision.reason
        data = {**base, "attempt_id": attempt.id, "reason": decision.reason}
        return [(contract.PAYMENT_UNDER_REVIEW, contract.PaymentUnderReview(), data)]
    if decision.action == "fail":
        data = {**base, "attempt_id": attempt.id, "state": decision.state}
        return [(contract.PAYMENT_FAILED, contract.PaymentFailed(), data)]
    if decision.action != "pay":
        return []
    payment = Payment(
        id=domain.new_id(),
        attempt_id=attempt.id,
        family_id=invoice.family_id,
        account_id=invoice.account_id,
        amount_cents=attempt.amount_cents,
        method=f"en_ligne_{attempt.provider}",
        provider_reference=attempt.provider_reference,
        paid_at=now,
    )
    return receive(session, invoice, payment, attempt.provider)


def receive(session: Session, invoice: Invoice, payment: Payment, channel: str) -> list[Event]:
    """Book ``payment`` for the (locked) invoice: it settles what the invoice still owes, the
    rest is a credit; ``payment_succeeded``, and ``invoice_paid`` once nothing is due."""
    session.add(payment)
    session.flush()
    allocated = min(payment.amount_cents, invoice.total_cents - domain.paid_cents(invoice))
    if allocated > 0:
        session.add(
            Allocation(invoice_id=invoice.id, payment_id=payment.id, amount_cents=allocated)
        )
        session.flush()
        session.refresh(invoice, ["allocations"])
    accounts = Access(session).accounts_of(invoice)
    base = domain.invoice_event(invoice, accounts, payment.amount_cents)
    balance = invoice.total_cents - domain.paid_cents(invoice)
    succeeded = {**base, "payment_id": payment.id, "provider": channel, "paid_at": payment.paid_at}
    succeeded["balance_cents"] = balance
    events: list[Event] = [(contract.PAYMENT_SUCCEEDED, contract.PaymentSucceeded(), succeeded)]
    if allocated > 0 and balance <= 0:
        paid = {**base, "amount_cents": invoice.total_cents, "reference": invoice.fee_reference}
        paid["payment_id"] = payment.id
        events.append((contract.INVOICE_PAID, contract.InvoicePaid(), paid))
    return events


def settle_review(
    session: Session,
    attempt: PaymentAttempt,
    data: dict,
    agent_id: str,
    now: datetime,
) -> tuple[ReviewDecision, list[Event]]:
    """The régie's decision on the (locked) attempt under review, logged: the amount it
    checked is booked and allocated like any payment, or recorded as to be refunded."""
    attempt.state = payments.settle(attempt.state, data["decision"])
    attempt.updated_at = now
    invoice = Invoices(session).lock(attempt.invoice_id)
    decision = ReviewDecision(
        attempt_id=attempt.id,
        decision=data["decision"],
        amount_cents=data["amount_cents"],
        reason=data.get("reason") or "",
        decided_by=agent_id,
        decided_at=now,
    )
    if data["decision"] == "rembourser":
        base = domain.invoice_event(
            invoice, Access(session).accounts_of(invoice), data["amount_cents"]
        )
        data = {**base, "attempt_id": attempt.id, "reason": decision.reason}
        events = [(contract.PAYMENT_TO_REFUND, contract.PaymentToRefund(), data)]
    else:
        payment = Payment(
            id=domain.new_id(),
            attempt_id=attempt.id,
            family_id=invoice.family_id,
            account_id=invoice.account_id,
            amount_cents=data["amount_cents"],
            method=f"en_ligne_{attempt.provider}",
            provider_reference=attempt.provider_reference,
            paid_at=now,
        )
        events = receive(session, invoice, payment, attempt.provider)
        decision.payment_id = payment.id
    session.add(decision)
    session.flush()
    return decision, events


def cancel(
    session: Session, invoice: Invoice, reason: str, now: datetime
) -> tuple[CreditNote, list[Event]]:
    """A credit note for what is left to pay of the (locked) invoice, settling it, and its
    ``invoice_cancelled``."""
    balance = invoice.total_cents - domain.paid_cents(invoice)
    if balance <= 0 or domain.cancelled(invoice):
        raise Conflict(NOTHING_TO_CANCEL)
    note = CreditNote(
        id=domain.new_id(),
        family_id=invoice.family_id,
        account_id=invoice.account_id,
        invoice_id=invoice.id,
        amount_cents=balance,
        reason=reason,
        created_at=now,
    )
    session.add(note)
    session.flush()
    session.add(Allocation(invoice_id=invoice.id, credit_note_id=note.id, amount_cents=balance))
    session.flush()
    session.refresh(invoice, ["allocations"])
    data = {
        **domain.invoice_event(invoice, Access(session).accounts_of(invoice), balance),
        "reference": invoice.fee_reference,
        "credit_note_id": note.id,
        "reason": reason,
        "cancelled_at": now,
    }
    return note, [(contract.INVOICE_CANCELLED, contract.InvoiceCancelled(), data)]


def credit(
    session: Session,
    family_id: str,
    cents: int,
    reason: str,
    invoices: list[Invoice],
    now: datetime,
) -> CreditNote:
    """A credit note of ``cents`` for a family (a correction after issue): it settles what
    ``invoices`` (locked) still owe, oldest first; the rest is a credit for later invoices."""
    note = CreditNote(
        id=domain.new_id(),
        family_id=family_id,
        amount_cents=cents,
        reason=reason[:300],
        created_at=now,
    )
    session.add(note)
    session.flush()
    balances = [(i, i.total_cents - domain.paid_cents(i)) for i in invoices]
    for invoice, part in domain.offsets(balances, cents):
        session.add(Allocation(invoice_id=invoice.id, credit_note_id=note.id, amount_cents=part))
        session.flush()
        session.refresh(invoice, ["allocations"])
    return note


def overdue_event(session: Session, invoice: Invoice) -> Event | None:
    """``invoice_overdue`` for an invoice with money still due, None for a settled one."""
    balance = invoice.total_cents - domain.paid_cents(invoice)
    if balance <= 0 or domain.cancelled(invoice):
        return None
    base = domain.invoice_event(invoice, Access(session).accounts_of(invoice), balance)
    return (
        contract.INVOICE_OVERDUE,
        contract.InvoiceOverdue(),
        {**base, "due_date": invoice.due_date},
    )


def fee_bill(event: dict) -> Bill:
    """What ``requests.fee_due`` asks for: one line, for the account, payable online."""
    return Bill(
        regie=domain.FEE_REGIE,
        label=event["label"][:200],
        issued_on=domain.paris_today(event["issued_at"]),
        due_date=event["due_date"],
        lines=(Line(event["label"][:200], 1, event["amount_cents"]),),
        account_id=event["account_id"],
        email=event["email"],
        fee_reference=event["reference"],
    )
