"""Tables of the ``billing`` database: invoices, payments and how payments meet invoices.

Money is integer cents. An invoice is never edited once issued: a correction or a
cancellation is a credit note. Payments and credit notes reach invoices through
allocations, each unique per (payment, invoice) and (credit note, invoice), so the same money
is never counted twice on an invoice. Online payment leaves three traces: the attempt (its
state only moves forward), every raw provider notification (stored before anything else),
and the payment booked from a verified paid status (at most one per attempt).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from chassis import tables
from chassis.types import UtcDateTime


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


class FamilyAccess(Base):
    """An account allowed to see a family's invoices (from ``family.family_space_activated``)."""

    __tablename__ = "family_access"
    __table_args__ = (UniqueConstraint("family_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[str] = mapped_column(String(5), index=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FamilyQuotient(Base):
    """A family's quotient familial as the family service last announced it
    (``family.quotient_changed``): the bracket its tariffs will be read in. ``None`` is
    unknown (highest bracket)."""

    __tablename__ = "family_quotients"

    family_id: Mapped[str] = mapped_column(String(5), primary_key=True)
    quotient_familial: Mapped[int | None] = mapped_column(Integer)
    resident: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FamilyQuotientChange(Base):
    """One announcement of ``family.quotient_changed`` kept with the day it is valid from: the
    history each attendance day is priced with. A later announcement (``changed_at``) for the
    same day replaces it (a correction); one for another day is another row."""

    __tablename__ = "family_quotient_changes"

    family_id: Mapped[str] = mapped_column(String(5), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    quotient_familial: Mapped[int | None] = mapped_column(Integer)
    resident: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InvoiceCounter(Base):
    """The last number given per régie and year; locked while an invoice takes the next."""

    __tablename__ = "invoice_counters"

    regie: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """An invoice to a family (``family_id``) or to an account (a fee, ``account_id``)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("regie", "year", "number"),
        CheckConstraint("(family_id IS NULL) <> (account_id IS NULL)", name="one_debtor"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    regie: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    family_id: Mapped[str | None] = mapped_column(String(5), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    fee_reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    allocations: Mapped[list[Allocation]] = relationship(back_populates="invoice")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cents: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)


class CreditNote(Base):
    """Money the town owes back: offsets the invoice it corrects, or a later one."""

    __tablename__ = "credit_notes"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="credit_positive"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    family_id: Mapped[str | None] = mapped_column(String(5), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PaymentAttempt(Base):
    """One online payment of one invoice; ``state`` only moves forward (``billing.payments``)."""

    __tablename__ = "payment_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(20), index=True)
    provider_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    review_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    invoice: Mapped[Invoice] = relationship()


class ProviderNotificationRow(Base):
    """A provider's call, raw, stored before it is believed; ``key`` makes a replay visible."""

    __tablename__ = "provider_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_count: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[str | None] = mapped_column(String(32), index=True)
    outcome: Mapped[str | None] = mapped_column(String(300))


class Payment(Base):
    """Money received: online (one per attempt at most) or at the counter."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    attempt_id: Mapped[str | None] = mapped_column(ForeignKey("payment_attempts.id"), unique=True)
    family_id: Mapped[str | None] = mapped_column(String(5), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Allocation(Base):
    """Part of a payment or of a credit note settling an invoice."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("payment_id", "invoice_id"),
        UniqueConstraint("credit_note_id", "invoice_id"),
        CheckConstraint("(payment_id IS NULL) <> (credit_note_id IS NULL)", name="one_source"),
        CheckConstraint("amount_cents > 0", name="allocation_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"), index=True)
    credit_note_id: Mapped[str | None] = mapped_column(ForeignKey("credit_notes.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="allocations")
    payment: Mapped[Payment | None] = relationship()
    credit_note: Mapped[CreditNote | None] = relationship()


class AttendanceDay(Base):
    """A child's day at an activity as ``family.attendance_changed`` last told it: the
    projection the monthly run prices (``billing.pricing`` names the statuses). A later
    change (``changed_at``) replaces an earlier one, never the reverse."""

    __tablename__ = "attendance_days"
    __table_args__ = (Index("attendance_days_family_day", "family_id", "day"),)

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    activity: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(5))
    child_first_name: Mapped[str] = mapped_column(String(100))
    activity_label: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BilledDay(Base):
    """What the monthly run billed for a child's day: positive on an invoice, negative on the
    credit note of a correction. The sum per day is what the family was billed for it."""

    __tablename__ = "billed_days"
    __table_args__ = (
        Index("billed_days_family_month", "family_id", "month"),
        CheckConstraint("(invoice_id IS NULL) <> (credit_note_id IS NULL)", name="one_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[str] = mapped_column(String(5))
    month: Mapped[str] = mapped_column(String(7))
    child_id: Mapped[str] = mapped_column(String(32))
    activity: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    cents: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    credit_note_id: Mapped[str | None] = mapped_column(ForeignKey("credit_notes.id"))


class InvoicingRun(Base):
    """A month the run went through to the end (the timer then leaves it alone)."""

    __tablename__ = "invoicing_runs"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    families: Mapped[int] = mapped_column(Integer)


class Child(Base):
    """A child of a family as ``family.attendance_changed`` last named it, with the birth date
    the childcare certificate needs (``None`` until an event gives it)."""

    __tablename__ = "children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(5), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ChildcareCertificate(Base):
    """What a family paid in a year for the childcare of one child under 6 on 31 December
    (``billing.certificates``); the family's yearly attestation lists its rows."""

    __tablename__ = "childcare_certificates"
    __table_args__ = (UniqueConstraint("family_id", "year", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[str] = mapped_column(String(5), index=True)
    year: Mapped[int] = mapped_column(Integer)
    child_id: Mapped[str] = mapped_column(String(32))
    child_first_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CertificateRun(Base):
    """A year whose certificates the January timer generated (it then leaves it alone)."""

    __tablename__ = "certificate_runs"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    families: Mapped[int] = mapped_column(Integer)


class ReviewDecision(Base):
    """The régie's decision on an online payment held for review: who, when, what. One per
    attempt (the state only moves forward); ``payment_id`` when the money was allocated."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("payment_attempts.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"))
