"""The yearly "attestation de frais de garde" of children under 6, for the family's tax return.

    python -m billing.certificates 2026      # a progress bar on stderr, a summary on stdout

What counts (article 200 quater B of the code général des impôts, BOI-IR-RICI-300): money
actually paid in the year (payments, at the counter or online, by their date in
Europe/Paris; never credit notes) for the childcare of a child under 6 on 31 December of
that year. Childcare is ``CHILDCARE_ACTIVITIES``: the accueil du matin, the garderie du soir,
the étude du soir (a supervised time after class, billed like the garderie) and the centre
de loisirs; the restauration scolaire is food, which the tax rule excludes.

A payment settles a whole invoice, whose lines mix children and activities: the money paid
in the year on an invoice is shared between its lines in proportion to their amounts
(``share``), rounded down per child and invoice, so a certificate never says more than was
paid. The days and their amounts come from ``billed_days``; the child's birth date from
``family.attendance_changed`` (``children``).

Each family is one transaction under an advisory lock of that family; a certificate row is
unique per (family, year, child), so running the command again, or the January timer of
every replica, gives the same rows (an amount that changed is updated) and announces a
family's certificate (``childcare_certificate_issued``) only the first time.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from tqdm import tqdm

from billing import domain, invoicing
from billing.models import (
    Allocation,
    BilledDay,
    CertificateRun,
    Child,
    ChildcareCertificate,
    Invoice,
    Payment,
)
from billing.repository import Access
from chassis.database import Sessions
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from contracts import billing as contract

CHILDCARE_ACTIVITIES = ("accueil_matin", "garderie_soir", "etude_soir", "centre_loisirs")
"""Activities that are childcare for the tax rule; ``restauration_scolaire`` is not."""
AGE_LIMIT = 6


def under_six(birth_date: date | None, year: int) -> bool:
    """Younger than 6 on 31 December of ``year`` (born after 31 December ``year - 6``)."""
    return birth_date is not None and date(year - AGE_LIMIT, 12, 31) < birth_date <= date(
        year, 12, 31
    )


@dataclass(frozen=True)
class PaidInvoice:
    """An invoice of the family with money paid on it in the year."""

    total_cents: int
    paid_in_year_cents: int
    childcare_cents: dict[str, int]
    """Per child under 6: what the invoice billed for its childcare days."""


def share(invoices: list[PaidInvoice]) -> dict[str, int]:
    """Per child: the part of each year's payment that paid its childcare, summed."""
    amounts: dict[str, int] = defaultdict(int)
    for invoice in invoices:
        if invoice.total_cents <= 0:
            continue
        paid = min(invoice.paid_in_year_cents, invoice.total_cents)
        for child_id, cents in invoice.childcare_cents.items():
            amounts[child_id] += paid * cents // invoice.total_cents
    return {child_id: cents for child_id, cents in amounts.items() if cents > 0}


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in Europe/Paris, as instants."""
    start = datetime.combine(date(year, 1, 1), time(), domain.PARIS)
    return start, datetime.combine(date(year + 1, 1, 1), time(), domain.PARIS)


@dataclass
class Summary:
    year: int
    families: int = 0
    certificates: int = 0
    amount_cents: int = 0


class Certificates:
    """Queries of the certificates, one session (one transaction) each."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record_child(self, event: dict) -> None:
        """The child as the latest ``attendance_changed`` names it (birth date kept if absent)."""
        values = {
            "child_id": event["child_id"],
            "family_id": event["family_id"],
            "first_name": event["child_first_name"][:100],
            "birth_date": event.get("child_birth_date"),
            "changed_at": event["changed_at"],
        }
        statement = insert(Child).values(**values)
        excluded = statement.excluded
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Child.child_id],
                set_={
                    "family_id": excluded.family_id,
                    "first_name": excluded.first_name,
                    "birth_date": func.coalesce(excluded.birth_date, Child.birth_date),
                    "changed_at": excluded.changed_at,
                },
                where=Child.changed_at <= excluded.changed_at,
            )
        )

    def _paid(self, year: int):
        start, end = year_bounds(year)
        return (
            select(Allocation.invoice_id, func.sum(Allocation.amount_cents).label("cents"))
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(Payment.paid_at >= start, Payment.paid_at < end)
            .group_by(Allocation.invoice_id)
        )

    def families(self, year: int) -> list[str]:
        """Families with money paid in the year on an invoice and a child under 6."""
        paid = self._paid(year).subquery()
        first_birth = date(year - AGE_LIMIT, 12, 31)
        query = (
            select(Invoice.family_id)
            .join(paid, paid.c.invoice_id == Invoice.id)
            .join(Child, Child.family_id == Invoice.family_id)
            .where(Child.birth_date > first_birth, Child.birth_date <= date(year, 12, 31))
            .distinct()
        )
        return sorted(self.session.scalars(query), key=lambda f: (len(f), f))

    def lock_family(self, family_id: str) -> None:
        key = f"billing-certificates-{family_id}"
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def children(self, family_id: str, year: int) -> dict[str, Child]:
        query = select(Child).where(Child.family_id == family_id)
        return {c.child_id: c for c in self.session.scalars(query) if under_six(c.birth_date, year)}

    def paid_invoices(self, family_id: str, year: int, child_ids: list[str]) -> list[PaidInvoice]:
        paid = self._paid(year).subquery()
        rows = self.session.execute(
            select(Invoice.id, Invoice.total_cents, paid.c.cents)
            .join(paid, paid.c.invoice_id == Invoice.id)
            .where(Invoice.family_id == family_id)
        ).all()
        childcare: dict[str, dict[str, int]] = defaultdict(dict)
        query = (
            select(BilledDay.invoice_id, BilledDay.child_id, func.sum(BilledDay.cents))
            .where(
                BilledDay.invoice_id.in_([row.id for row in rows]),
                BilledDay.child_id.in_(child_ids),
                BilledDay.activity.in_(CHILDCARE_ACTIVITIES),
            )
            .group_by(BilledDay.invoice_id, BilledDay.child_id)
        )
        for invoice_id, child_id, cents in self.session.execute(query):
            childcare[invoice_id][child_id] = int(cents)
        return [
            PaidInvoice(row.total_cents, int(row.cents), childcare.get(row.id, {})) for row in rows
        ]

    def of(self, family_ids: frozenset[str]) -> list[ChildcareCertificate]:
        query = select(ChildcareCertificate).where(
            ChildcareCertificate.family_id.in_(sorted(family_ids))
        )
        rows = self.session.scalars(query)
        return sorted(rows, key=lambda r: (-r.year, r.family_id, r.birth_date, r.child_id))

    def existing(self, family_id: str, year: int) -> bool:
        query = select(ChildcareCertificate.id).where(
            ChildcareCertificate.family_id == family_id, ChildcareCertificate.year == year
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def keep(self, row: dict) -> None:
        statement = insert(ChildcareCertificate).values(**row)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["family_id", "year", "child_id"],
                set_={"amount_cents": statement.excluded.amount_cents},
            )
        )

    def finished(self, year: int) -> bool:
        return self.session.get(CertificateRun, year) is not None

    def finish(self, year: int, families: int, now: datetime) -> None:
        statement = insert(CertificateRun).values(year=year, finished_at=now, families=families)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[CertificateRun.year],
                set_={"finished_at": now, "families": families},
            )
        )


def certify_family(
    session: Session, outbox: OutboxWriter, family_id: str, year: int, summary: Summary
) -> None:
    """The family's certificate rows of ``year``, announced the first time (one transaction)."""
    certificates = Certificates(session)
    certificates.lock_family(family_id)
    children = certificates.children(family_id, year)
    amounts = share(certificates.paid_invoices(family_id, year, sorted(children)))
    if not amounts:
        return
    first_time = not certificates.existing(family_id, year)
    now = utcnow()
    for child_id, cents in amounts.items():
        child = children[child_id]
        certificates.keep(
            {
                "family_id": family_id,
                "year": year,
                "child_id": child_id,
                "child_first_name": child.first_name,
                "birth_date": child.birth_date,
                "amount_cents": cents,
                "issued_at": now,
            }
        )
    summary.certificates += 1
    summary.amount_cents += sum(amounts.values())
    if first_time:
        event = {
            "family_id": family_id,
            "year": year,
            "account_ids": Access(session).accounts_of_family(family_id),
            "amount_cents": sum(amounts.values()),
        }
        outbox.add(
            session,
            contract.CHILDCARE_CERTIFICATE_ISSUED,
            contract.ChildcareCertificateIssued(),
            event,
        )


def run(sessions: Sessions, outbox: OutboxWriter, year: int, progress: bool = False) -> Summary:
    """Every family's certificate of ``year``; safe to run again, on several replicas at once."""
    summary = Summary(year)
    with sessions.session() as session:
        families = Certificates(session).families(year)
    for family_id in tqdm(families, unit=" familles", disable=not progress, file=sys.stderr):
        with sessions.session() as session:
            certify_family(session, outbox, family_id, year, summary)
    summary.families = len(families)
    with sessions.session() as session:
        Certificates(session).finish(year, len(families), utcnow())
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m billing.certificates",
        description="Attestations de frais de garde des enfants de moins de 6 ans.",
    )
    parser.add_argument("annee", type=int, help="année des paiements, AAAA (par exemple 2026)")
    parser.add_argument("--sans-barre", action="store_true", help="sans barre de progression")
    args = parser.parse_args(argv)
    if not 2000 <= args.annee <= 2100:
        parser.error(f"année invalide : {args.annee}")
    summary = invoicing.run_command(
        lambda sessions, outbox: run(sessions, outbox, args.annee, not args.sans_barre)
    )
    print(
        f"Attestations {args.annee} : {summary.certificates} familles concernées sur "
        f"{summary.families} ({summary.amount_cents / 100:.2f} € de frais de garde)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
