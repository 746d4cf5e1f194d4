"""The demo invoice of the local run: family 4217 (the demo family) has a month to pay.

``make run`` adds it when family 4217 has no invoice yet (``python -m billing.demo``): once a
parent has activated the family space (see ``family.demo``), "Mes factures" shows it, payable
through the local payment simulator. Tests use the same invoice.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import books, domain
from billing.models import Base, Invoice, PaymentAttempt
from chassis import config, tables
from chassis.database import make_engine
from chassis.outbox import OutboxWriter
from chassis.types import utcnow

DEMO_FAMILY = "4217"
DEMO_LINES = (
    books.Line("Restauration scolaire – Léa (12 repas)", 12, 420),
    books.Line("Garderie du soir – Léa (8 soirs)", 8, 250),
    books.Line("Centre de loisirs – Noé (2 journées)", 2, 1200),
)
"""Total 94,40 €."""


def demo_bill(today: date, family_id: str = DEMO_FAMILY) -> books.Bill:
    last_month = today.replace(day=1) - timedelta(days=1)
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    month = months.split()[last_month.month - 1]
    return books.Bill(
        regie=domain.FAMILY_REGIE,
        label=f"Périscolaire et restauration – {month} {last_month.year}",
        issued_on=today,
        due_date=today + timedelta(days=30),
        lines=DEMO_LINES,
        family_id=family_id,
    )


def add_demo_invoice(session: Session, now: datetime, family_id: str = DEMO_FAMILY) -> Invoice:
    """The family's first invoice, issued with its event, unless it has one already."""
    found = session.scalars(select(Invoice).where(Invoice.family_id == family_id)).first()
    if found is not None:
        return found
    invoice, events = books.issue(session, demo_bill(domain.paris_today(now), family_id), now)
    outbox = OutboxWriter(tables.table(Base.metadata, tables.OUTBOX))
    for event_type, schema, data in events:
        outbox.add(session, event_type, schema, data)
    return invoice


def add_demo_review(session: Session, now: datetime, family_id: str, reason: str) -> str:
    """The family's demo invoice with an online payment held for review (as
    ``billing.books.apply`` holds one whose provider's amount differed); the attempt's id."""
    invoice = add_demo_invoice(session, now, family_id)
    attempt = PaymentAttempt(
        id=domain.new_id(),
        invoice_id=invoice.id,
        provider="systempay",
        amount_cents=invoice.total_cents,
        currency="978",
        state="review",
        review_reason=reason,
        created_at=now,
        updated_at=now,
    )
    session.add(attempt)
    session.flush()
    return attempt.id


def main() -> int:
    engine = make_engine(config.database_url("billing"))
    with Session(engine) as session, session.begin():
        invoice = add_demo_invoice(session, utcnow())
        reference = invoice.reference
    engine.dispose()
    print(f"Facture de démonstration de la famille {DEMO_FAMILY} : {reference}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
