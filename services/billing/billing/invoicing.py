"""The monthly invoicing run: each family's attendance of a month becomes one invoice.

    python -m billing.invoicing 2027-01      # a progress bar on stderr, a summary on stdout

For each family with a day in the month (``billing.attendance``), ``BATCH_FAMILIES`` families
per transaction, under an advisory lock of each family (two replicas, or the timer and this
command, never bill it twice): the days are priced (``billing.pricing``, tariffs in
``billing.tariffs``) and compared with what the month's invoices and credit notes already
billed per day (``billed_days``). The first run issues one invoice with a line per child,
activity and day; a run with nothing new does nothing; a change after issue (an absence
justified later, a presence noted late) is a supplementary invoice for the days now due and
a credit note for the days billed too much, never an edited invoice. Every invoice is
numbered and announced (``invoice_issued``) as any other (``billing.books``). A batch that
fails is invoiced again one family per transaction: a family that cannot be invoiced is
reported (and the command exits with 1), the others are invoiced.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from tqdm import tqdm

from billing import books, domain, pricing
from billing.invoicing_repository import Attendance, month_bounds
from billing.models import Base, BilledDay
from billing.repository import Invoices
from billing.tariffs import TARIFFS
from chassis import config, tables
from chassis.database import Sessions, make_engine
from chassis.outbox import OutboxWriter
from chassis.types import utcnow

T = TypeVar("T")
log = logging.getLogger(__name__)
DUE_DAYS = 30
BATCH_FAMILIES = 50
"""Families invoiced per transaction: fewer commits and statements, and the régie's number
counter row (locked from the batch's first number to its commit) never held long."""
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


@dataclass
class Summary:
    month: str
    families: int = 0
    invoices: int = 0
    credit_notes: int = 0
    invoiced_cents: int = 0
    credited_cents: int = 0
    failed: list[str] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        """Count what ``other`` (a committed batch) did."""
        self.invoices += other.invoices
        self.credit_notes += other.credit_notes
        self.invoiced_cents += other.invoiced_cents
        self.credited_cents += other.credited_cents
        self.failed += other.failed


def month_label(month: str) -> str:
    first, _ = month_bounds(month)
    return f"{MONTHS.split()[first.month - 1]} {first.year}"


def previous_month(today: date) -> str:
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def monthly_bill(
    family_id: str, month: str, days: list[pricing.PricedDay], supplement: bool, today: date
) -> books.Bill:
    kind = "Régularisation" if supplement else "Activités périscolaires et restauration"
    return books.Bill(
        regie=domain.FAMILY_REGIE,
        label=f"{kind} – {month_label(month)}",
        issued_on=today,
        due_date=today + timedelta(days=DUE_DAYS),
        lines=tuple(books.Line(p.label, 1, p.cents) for p in days),
        family_id=family_id,
    )


def invoice_family(
    session, outbox: OutboxWriter, family_id: str, month: str, now: datetime, summary: Summary
) -> None:
    """Bring the family's month to what its attendance costs now (one transaction)."""
    invoice_families(session, outbox, [family_id], month, now, summary)


def invoice_families(
    session,
    outbox: OutboxWriter,
    family_ids: list[str],
    month: str,
    now: datetime,
    summary: Summary,
) -> None:
    """``invoice_family`` for each of the families, in the caller's transaction and a fixed
    number of statements: their days, quotients and what was billed read at once, their
    invoices issued together (numbered in the order of ``family_ids``)."""
    attendance = Attendance(session)
    attendance.lock_families(family_ids)
    days = attendance.days_of(family_ids, month)
    households = attendance.households(family_ids)
    billed = attendance.billed_of(family_ids, month)
    today = domain.paris_today(now)
    to_issue: list[tuple[str, list[pricing.PricedDay], books.Bill]] = []
    for family_id in family_ids:
        priced = pricing.price(days[family_id], households[family_id], TARIFFS)
        fix = pricing.correction(priced, billed[family_id])
        if fix.to_credit:
            invoices = _month_invoices(session, family_id, month)
            reason = f"Régularisation des activités de {month_label(month)}"
            note = books.credit(session, family_id, fix.credit_cents, reason, invoices, now)
            for key, cents in fix.to_credit:
                attendance.bill(family_id, month, key, -cents, credit_note_id=note.id)
            summary.credit_notes += 1
            summary.credited_cents += fix.credit_cents
        if fix.to_invoice:
            bill = monthly_bill(family_id, month, fix.to_invoice, bool(billed[family_id]), today)
            to_issue.append((family_id, fix.to_invoice, bill))
    issued = books.issue_all(session, [bill for _, _, bill in to_issue], now)
    attendance.bill_invoices(
        month,
        [
            (family_id, invoice.id, [(p.attendance.key, p.cents) for p in days_due])
            for (family_id, days_due, _), (invoice, _) in zip(to_issue, issued, strict=True)
        ],
    )
    outbox.add_all(session, [event for _, event in issued])
    summary.invoices += len(issued)
    summary.invoiced_cents += sum(invoice.total_cents for invoice, _ in issued)


def _month_invoices(session, family_id: str, month: str) -> list:
    query = (
        select(BilledDay.invoice_id)
        .where(
            BilledDay.family_id == family_id,
            BilledDay.month == month,
            BilledDay.invoice_id.is_not(None),
        )
        .distinct()
    )
    invoices = Invoices(session)
    found = [invoices.lock(invoice_id) for invoice_id in session.scalars(query)]
    return sorted(found, key=lambda invoice: (invoice.created_at, invoice.number))


def run(sessions: Sessions, outbox: OutboxWriter, month: str, progress: bool = False) -> Summary:
    """Invoice every family of ``month``; safe to run again, and on several replicas at once.

    Families go ``BATCH_FAMILIES`` to a transaction. A batch that fails is rolled back
    (its numbers with it: still no gap) and its families invoiced again one per transaction,
    so one family that cannot be invoiced is reported in ``failed`` and the others are
    invoiced. The month is recorded as finished only when no family failed (the timer tries
    the month again an hour later; what was invoiced is not invoiced twice).
    """
    month_bounds(month)  # a malformed month fails before any work
    summary = Summary(month)
    with sessions.session() as session:
        families = Attendance(session).families(month)
    bar = tqdm(total=len(families), unit=" familles", disable=not progress, file=sys.stderr)
    for start in range(0, len(families), BATCH_FAMILIES):
        batch = families[start : start + BATCH_FAMILIES]
        try:
            summary.add(_invoice_batch(sessions, outbox, batch, month))
        except Exception:
            log.exception("invoicing of %s: a batch failed, its families one by one", month)
            for family_id in batch:
                try:
                    summary.add(_invoice_batch(sessions, outbox, [family_id], month))
                except Exception:
                    log.exception("invoicing of %s: family %s not invoiced", month, family_id)
                    summary.failed.append(family_id)
        bar.update(len(batch))
    bar.close()
    summary.families = len(families)
    if not summary.failed:
        with sessions.session() as session:
            Attendance(session).finish(month, len(families), utcnow())
    return summary


def _invoice_batch(
    sessions: Sessions, outbox: OutboxWriter, family_ids: list[str], month: str
) -> Summary:
    """The families in one transaction; what it did, once committed."""
    done = Summary(month)
    with sessions.session() as session:
        invoice_families(session, outbox, family_ids, month, utcnow(), done)
    return done


def run_command(work: Callable[[Sessions, OutboxWriter], T]) -> T:
    """``work`` on the billing database of the settings, as a command of the régie runs it."""
    engine = make_engine(config.database_url("billing"))
    try:
        return work(
            Sessions(engine, Base.metadata),
            OutboxWriter(tables.table(Base.metadata, tables.OUTBOX)),
        )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m billing.invoicing", description="Facturation mensuelle des familles."
    )
    parser.add_argument("month", help="mois facturé, AAAA-MM (par exemple 2027-01)")
    parser.add_argument("--sans-barre", action="store_true", help="sans barre de progression")
    args = parser.parse_args(argv)
    try:
        month_bounds(args.month)
    except ValueError:
        parser.error(f"mois invalide : {args.month} (attendu AAAA-MM)")
    summary = run_command(
        lambda sessions, outbox: run(sessions, outbox, args.month, not args.sans_barre)
    )
    print(
        f"{month_label(args.month)} : {summary.families} familles, {summary.invoices} factures "
        f"({summary.invoiced_cents / 100:.2f} €), {summary.credit_notes} avoirs "
        f"({summary.credited_cents / 100:.2f} €)"
    )
    if summary.failed:
        print(
            f"{len(summary.failed)} familles non facturées (erreur, voir le journal ; "
            f"relancez le mois) : {', '.join(summary.failed)}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
