"""Property tests of the ledger rules on generated months of families (hypothesis).

Invoices and payments arrive in any order: a payment settles the oldest invoice still due
and what is left of it becomes a credit; a new invoice is settled first by the credits
(``domain.offsets``, oldest first). Whatever happened: an invoice's total is the sum of its
lines, no invoice is settled beyond its total, and what is to pay equals invoices minus
payments plus the credits left unused.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from billing import domain
from hypothesis import given, settings
from hypothesis import strategies as st

TODAY = date(2026, 12, 2)
invoice_lines = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 5_000)), min_size=1, max_size=12
)
happenings = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), invoice_lines),
        st.tuples(st.just("payment"), st.integers(1, 40_000)),
    ),
    min_size=1,
    max_size=8,
)
months = st.lists(happenings, min_size=1, max_size=500)


def new_invoice(lines: list[tuple[int, int]]) -> SimpleNamespace:
    rows = [SimpleNamespace(amount_cents=quantity * unit) for quantity, unit in lines]
    return SimpleNamespace(
        id="f",
        reference="PERI-4217-202612-1",
        family_id="4217",
        label="",
        issued_on=TODAY,
        due_date=TODAY,
        total_cents=sum(row.amount_cents for row in rows),
        lines=rows,
        allocations=[],
    )


def settle(invoice: SimpleNamespace, cents: int) -> None:
    invoice.allocations.append(SimpleNamespace(amount_cents=cents, payment=None))


def play(family: list[tuple]) -> tuple[list, list[list], int]:
    """The family's invoices, its credits ([source, cents left]) and what it paid."""
    invoices, credits, paid = [], [], 0
    for kind, value in family:
        if kind == "invoice":
            invoice = new_invoice(value)
            available = [(index, left) for index, (_, left) in enumerate(credits)]
            for index, cents in domain.offsets(available, invoice.total_cents):
                credits[index][1] -= cents
                settle(invoice, cents)
            invoices.append(invoice)
            continue
        paid += value
        due = next((i for i in invoices if domain.paid_cents(i) < i.total_cents), None)
        allocated = 0 if due is None else min(value, due.total_cents - domain.paid_cents(due))
        if allocated:
            settle(due, allocated)
        credits.append([len(credits), value - allocated])
    return invoices, credits, paid


@settings(max_examples=40, deadline=None)
@given(months)
def test_le_grand_livre_tombe_juste_pour_un_mois_de_familles(families):
    for family in families:
        invoices, credits, paid = play(family)
        for invoice in invoices:
            assert invoice.total_cents == sum(line.amount_cents for line in invoice.lines)
            assert 0 <= domain.paid_cents(invoice) <= invoice.total_cents
        credit = sum(left for _, left in credits)
        assert credit >= 0
        views = [domain.invoice_view(invoice, TODAY) for invoice in invoices]
        ledger = domain.ledger(views, credit)
        invoiced = sum(invoice.total_cents for invoice in invoices)
        assert ledger["to_pay_cents"] == invoiced - ledger["paid_cents"]
        assert ledger["to_pay_cents"] == invoiced - paid + credit


@given(st.lists(st.integers(0, 10_000), max_size=20), st.integers(0, 100_000))
def test_les_avoirs_reglent_au_plus_le_du_et_jamais_plus_qu_ils_n_ont(available, balance):
    taken = domain.offsets(list(enumerate(available)), balance)
    assert sum(cents for _, cents in taken) == min(balance, sum(available))
    assert all(0 < cents <= available[source] for source, cents in taken)
    assert [source for source, _ in taken] == sorted(source for source, _ in taken)
