"""Queries of the ``billing`` database, one session (one transaction) each."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from billing.domain import Debtor
from billing.models import (
    Allocation,
    CreditNote,
    FamilyAccess,
    FamilyQuotient,
    FamilyQuotientChange,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
    PaymentAttempt,
    ProviderNotificationRow,
    ReviewDecision,
)
from billing.pricing import Household, QuotientHistory

BLOCKING_ATTEMPT_STATES = ("waiting", "review")
"""An invoice with such an attempt waits for the provider or the régie before a new payment."""


class Access:
    """Which accounts see which family's invoices (projection of the family service's links)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def link(self, family_id: str, account_id: str, now: datetime) -> None:
        statement = insert(FamilyAccess).values(
            family_id=family_id, account_id=account_id, linked_at=now
        )
        self.session.execute(statement.on_conflict_do_nothing())

    def unlink_account(self, account_id: str) -> None:
        self.session.execute(delete(FamilyAccess).where(FamilyAccess.account_id == account_id))

    def debtor(self, account_id: str | None) -> Debtor:
        if account_id is None:
            return Debtor(None, frozenset())
        query = select(FamilyAccess.family_id).where(FamilyAccess.account_id == account_id)
        return Debtor(account_id, frozenset(self.session.scalars(query)))

    def accounts_of(self, invoice: Invoice) -> list[str]:
        """The accounts that see ``invoice``: its account, or those linked to its family."""
        return self.accounts_of_debtor(invoice.family_id, invoice.account_id)

    def accounts_of_debtor(self, family_id: str | None, account_id: str | None) -> list[str]:
        """The account of a fee, or every account linked to the family."""
        return [account_id] if account_id is not None else self.accounts_of_family(family_id)

    def accounts_of_family(self, family_id: str) -> list[str]:
        """Every account linked to the family (both parents may be), first linked first."""
        return self.accounts_of_families([family_id])[family_id]

    def accounts_of_families(self, family_ids: list[str]) -> dict[str, list[str]]:
        """``accounts_of_family`` of each family, in one query."""
        query = (
            select(FamilyAccess.family_id, FamilyAccess.account_id)
            .where(FamilyAccess.family_id.in_(family_ids))
            .order_by(FamilyAccess.linked_at, FamilyAccess.id)
        )
        found: dict[str, list[str]] = {family_id: [] for family_id in family_ids}
        for family_id, account_id in self.session.execute(query):
            found[family_id].append(account_id)
        return found


class Quotients:
    """The projection of ``family.quotient_changed``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, event: dict) -> None:
        """Keep the most recent announcement (an older one arriving late changes nothing), and
        each one in the history by the day it is valid from."""
        values = {
            name: event[name]
            for name in ("family_id", "quotient_familial", "resident", "valid_from", "changed_at")
        }
        for model, key in (
            (FamilyQuotient, ("family_id",)),
            (FamilyQuotientChange, ("family_id", "valid_from")),
        ):
            statement = insert(model).values(**values)
            self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=list(key),
                    set_={name: statement.excluded[name] for name in values if name not in key},
                    where=model.changed_at < statement.excluded.changed_at,
                )
            )

    def histories(self, family_ids: list[str]) -> dict[str, QuotientHistory]:
        """Every announcement of each family, each from the day it is valid (one query)."""
        query = (
            select(
                FamilyQuotientChange.family_id,
                FamilyQuotientChange.valid_from,
                FamilyQuotientChange.quotient_familial,
                FamilyQuotientChange.resident,
            )
            .where(FamilyQuotientChange.family_id.in_(family_ids))
            .order_by(FamilyQuotientChange.valid_from)
        )
        changes: dict[str, list] = {family_id: [] for family_id in family_ids}
        for family_id, valid_from, value, resident in self.session.execute(query):
            changes[family_id].append((valid_from, Household(value, resident)))
        return {family_id: QuotientHistory(tuple(found)) for family_id, found in changes.items()}

    def of(self, family_id: str) -> FamilyQuotient | None:
        return self.session.get(FamilyQuotient, family_id)


class Invoices:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_numbers(self, regie: str, year: int, count: int) -> range:
        """The ``count`` next numbers of the régie's year; the counter row stays locked until
        commit, so numbers follow each other with no gap (a rolled-back invoice gives its
        number back)."""
        statement = (
            insert(InvoiceCounter)
            .values(regie=regie, year=year, last_number=count)
            .on_conflict_do_update(
                index_elements=[InvoiceCounter.regie, InvoiceCounter.year],
                set_={"last_number": InvoiceCounter.last_number + count},
            )
            .returning(InvoiceCounter.last_number)
        )
        last = self.session.execute(statement).scalar_one()
        return range(last - count + 1, last + 1)

    def add_all(self, invoices: list[Invoice], lines: list[dict]) -> None:
        """Invoices and the lines of all of them (one statement each, however many)."""
        self.session.add_all(invoices)
        self.session.flush()
        if lines:
            self.session.execute(insert(InvoiceLine.__table__), lines)  # Core: no ORM bulk pass

    def debtors_with_credit(self, debtors: set[tuple[str | None, str | None]]) -> set[tuple]:
        """Which of these debtors, ``(family_id, account_id)``, own a payment or a credit note
        at all (only they may have money to offset: ``available_credits`` is asked for them
        alone); a family's own, or an account's when there is no family, as there."""
        families = {family_id for family_id, _ in debtors if family_id}
        accounts = {account_id for family_id, account_id in debtors if not family_id}
        owning_families: set[str] = set()
        owning_accounts: set[str] = set()
        for model in (Payment, CreditNote):
            for column, wanted, owning in (
                (model.family_id, families, owning_families),
                (model.account_id, accounts, owning_accounts),
            ):
                if wanted:
                    owning.update(
                        self.session.scalars(select(column).where(column.in_(wanted)).distinct())
                    )
        return {
            (family_id, account_id)
            for family_id, account_id in debtors
            if (family_id in owning_families if family_id else account_id in owning_accounts)
        }

    def _loaded(self):
        return select(Invoice).options(
            selectinload(Invoice.lines),
            selectinload(Invoice.allocations).selectinload(Allocation.payment),
            selectinload(Invoice.allocations).selectinload(Allocation.credit_note),
        )

    def get(self, invoice_id: str) -> Invoice | None:
        return self.session.scalars(self._loaded().where(Invoice.id == invoice_id)).one_or_none()

    def lock(self, invoice_id: str) -> Invoice:
        self.session.execute(select(Invoice.id).where(Invoice.id == invoice_id).with_for_update())
        return self.get(invoice_id)

    def paid_by(self, payment: Payment | None) -> Invoice | None:
        """The invoice a payment was made for (through its attempt or its allocation)."""
        if payment is None:
            return None
        if payment.attempt_id is not None:
            attempt = self.session.get(PaymentAttempt, payment.attempt_id)
            return self.get(attempt.invoice_id)
        query = select(Allocation.invoice_id).where(Allocation.payment_id == payment.id)
        invoice_id = self.session.scalars(query.limit(1)).first()
        return None if invoice_id is None else self.get(invoice_id)

    def search(self, query: str) -> list[Invoice]:
        """A family's invoices (its identifier), or the invoice with this reference or id."""
        if not query:
            return []
        if query.isdigit():
            condition = Invoice.family_id == query
        else:
            condition = or_(Invoice.reference == query, Invoice.id == query)
        statement = self._loaded().where(condition).order_by(Invoice.issued_on.desc())
        return list(self.session.scalars(statement.order_by(Invoice.number.desc())))

    def overdue_not_reminded(self, today: date, limit: int = 200) -> list[Invoice]:
        """Invoices past their due date never reminded, locked (other replicas skip them)."""
        query = (
            select(Invoice)
            .where(Invoice.due_date < today, Invoice.reminded_at.is_(None))
            .order_by(Invoice.due_date, Invoice.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Invoice)
        )
        found = list(self.session.scalars(query))
        return [self.get(invoice.id) for invoice in found]

    def payments_between(self, start: datetime, end: datetime) -> list[Payment]:
        query = select(Payment).where(Payment.paid_at >= start, Payment.paid_at < end)
        return list(self.session.scalars(query.order_by(Payment.paid_at, Payment.id)))

    def by_fee(self, fee_reference: str) -> Invoice | None:
        return self.session.scalars(
            select(Invoice).where(Invoice.fee_reference == fee_reference)
        ).one_or_none()

    def of(self, debtor: Debtor) -> list[Invoice]:
        conditions = [Invoice.family_id.in_(sorted(debtor.family_ids))]
        if debtor.account_id is not None:
            conditions.append(Invoice.account_id == debtor.account_id)
        query = self._loaded().where(or_(*conditions)).order_by(Invoice.issued_on.desc())
        return list(self.session.scalars(query.order_by(Invoice.number.desc())))

    def has_blocking_attempt(self, invoice_id: str) -> bool:
        query = select(PaymentAttempt.id).where(
            PaymentAttempt.invoice_id == invoice_id,
            PaymentAttempt.state.in_(BLOCKING_ATTEMPT_STATES),
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def available_credits(
        self, family_id: str | None, account_id: str | None
    ) -> list[tuple[tuple[str, str], int]]:
        """Payments and credit notes of this debtor with money not allocated yet, oldest
        first, locked until commit (two invoices issued at once never use the same credit)."""
        found = []
        sources = (
            (Payment, Allocation.payment_id, "payment", "paid_at"),
            (CreditNote, Allocation.credit_note_id, "credit_note", "created_at"),
        )
        for model, key, kind, moment in sources:
            owner = model.family_id == family_id if family_id else model.account_id == account_id
            rows = self.session.scalars(select(model).where(owner).with_for_update()).all()
            for row in rows:
                allocated = self.session.scalar(
                    select(func.coalesce(func.sum(Allocation.amount_cents), 0)).where(key == row.id)
                )
                if row.amount_cents > allocated:
                    found.append((getattr(row, moment), kind, row.id, row.amount_cents - allocated))
        found.sort()
        return [((kind, row_id), cents) for _, kind, row_id, cents in found]

    def credit_cents(self, debtor: Debtor) -> int:
        """Payments and credit notes of the debtor not (yet) allocated to an invoice."""
        total = 0
        for model, key in (
            (Payment, Allocation.payment_id),
            (CreditNote, Allocation.credit_note_id),
        ):
            allocated = (
                select(func.coalesce(func.sum(Allocation.amount_cents), 0))
                .where(key == model.id)
                .scalar_subquery()
            )
            owners = [model.family_id.in_(sorted(debtor.family_ids))]
            if debtor.account_id is not None:
                owners.append(model.account_id == debtor.account_id)
            query = select(func.coalesce(func.sum(model.amount_cents - allocated), 0)).where(
                or_(*owners)
            )
            total += self.session.scalar(query)
        return total


class Attempts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt: PaymentAttempt) -> PaymentAttempt:
        self.session.add(attempt)
        self.session.flush()
        return attempt

    def get(self, attempt_id: str) -> PaymentAttempt | None:
        return self.session.get(PaymentAttempt, attempt_id)

    def lock(self, attempt_id: str) -> PaymentAttempt | None:
        query = select(PaymentAttempt).where(PaymentAttempt.id == attempt_id).with_for_update()
        return self.session.scalars(query).one_or_none()

    def left_since(self, cutoff: datetime, provider: str, limit: int = 100) -> list[PaymentAttempt]:
        """``provider``'s attempts still open since before ``cutoff``, oldest first."""
        query = (
            select(PaymentAttempt)
            .where(
                PaymentAttempt.provider == provider,
                PaymentAttempt.state.in_(("created", "redirected", "waiting")),
                PaymentAttempt.created_at < cutoff,
            )
            .order_by(PaymentAttempt.created_at)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def lock_by_reference(self, provider: str, reference: str | None) -> PaymentAttempt | None:
        """The attempt the provider knows as ``reference`` (PayFiP's idOp), locked."""
        if not reference:
            return None
        query = (
            select(PaymentAttempt)
            .where(
                PaymentAttempt.provider == provider,
                PaymentAttempt.provider_reference == reference,
            )
            .with_for_update()
        )
        return self.session.scalars(query).one_or_none()

    def in_review(self) -> list[PaymentAttempt]:
        query = (
            select(PaymentAttempt)
            .where(PaymentAttempt.state == "review")
            .options(selectinload(PaymentAttempt.invoice))
            .order_by(PaymentAttempt.updated_at)
        )
        return list(self.session.scalars(query))

    def decisions(self, limit: int) -> list[tuple[ReviewDecision, PaymentAttempt]]:
        """The régie's latest decisions on reviews, newest first, with their attempt."""
        query = (
            select(ReviewDecision, PaymentAttempt)
            .join(PaymentAttempt, PaymentAttempt.id == ReviewDecision.attempt_id)
            .options(selectinload(PaymentAttempt.invoice))
            .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
            .limit(limit)
        )
        return [(decision, attempt) for decision, attempt in self.session.execute(query)]

    def payment_of(self, attempt_id: str) -> Payment | None:
        return self.session.scalars(
            select(Payment).where(Payment.attempt_id == attempt_id)
        ).one_or_none()


class Notifications:
    """Raw provider calls: one row per distinct body, a counter for its replays."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def store(self, provider: str, body: str, now: datetime) -> tuple[int, int]:
        """(row id, times received) of this exact notification."""
        key = hashlib.sha256(f"{provider}\n{body}".encode()).hexdigest()
        statement = (
            insert(ProviderNotificationRow)
            .values(provider=provider, key=key, body=body, received_at=now, received_count=1)
            .on_conflict_do_update(
                index_elements=[ProviderNotificationRow.key],
                set_={"received_count": ProviderNotificationRow.received_count + 1},
            )
            .returning(ProviderNotificationRow.id, ProviderNotificationRow.received_count)
        )
        row_id, count = self.session.execute(statement).one()
        return row_id, count

    def record_outcome(self, row_id: int, attempt_id: str | None, outcome: str) -> None:
        row = self.session.get(ProviderNotificationRow, row_id)
        row.attempt_id = attempt_id
        row.outcome = outcome[:300]
