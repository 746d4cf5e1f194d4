"""Invoice references, ledger states and the reasons an invoice cannot be paid online."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date
from types import SimpleNamespace

from billing import domain
from billing.documents import euros
from billing.providers import systempay_signature

TODAY = date(2026, 12, 2)


def invoice(total: int = 9440, paid: tuple[int, ...] = (), due: date = date(2026, 12, 31)):
    allocations = [SimpleNamespace(amount_cents=cents, payment=None) for cents in paid]
    return SimpleNamespace(
        id="f1",
        reference="PERI-4217-202612-1",
        family_id="4217",
        account_id=None,
        label="Périscolaire",
        issued_on=date(2026, 12, 1),
        due_date=due,
        total_cents=total,
        allocations=allocations,
        lines=[],
    )


def test_la_reference_porte_le_numero_de_famille_en_deuxieme_position():
    assert domain.reference("PERI", "4217", date(2027, 1, 5), 12) == "PERI-4217-202701-12"
    assert domain.reference("DIV", None, date(2027, 1, 5), 3) == "DIV-0-202701-3"


def test_etats_de_la_facture():
    assert domain.status(invoice(), TODAY) == "a_payer"
    assert domain.status(invoice(paid=(1000,)), TODAY) == "partiellement_payee"
    assert domain.status(invoice(paid=(9000, 440)), TODAY) == "payee"
    assert domain.status(invoice(due=date(2026, 12, 1)), TODAY) == "en_retard"


def test_raisons_de_ne_pas_payer_en_ligne():
    assert domain.not_payable_reason(invoice(), TODAY, False) is None
    assert "déjà payée" in domain.not_payable_reason(invoice(paid=(9440,)), TODAY, False)
    assert "vérification" in domain.not_payable_reason(invoice(), TODAY, True)
    late = invoice(due=date(2026, 11, 30))
    assert "date limite" in domain.not_payable_reason(late, TODAY, False)
    assert "1 €" in domain.not_payable_reason(invoice(total=50), TODAY, False)


def test_le_solde_du_compte_est_factures_moins_paiements():
    views = [
        domain.invoice_view(invoice(), TODAY),
        domain.invoice_view(invoice(paid=(1000,), due=date(2026, 11, 1)), TODAY),
        domain.invoice_view(invoice(paid=(9440,)), TODAY),
    ]
    ledger = domain.ledger(views, credit_cents=500)
    assert ledger["to_pay_cents"] == 9440 + 8440
    assert ledger["overdue_cents"] == 8440
    assert ledger["paid_cents"] == 10440
    assert ledger["credit_cents"] == 500


def test_montants_en_euros_a_la_francaise():
    assert euros(944000) == "9 440,00 €"
    assert euros(5) == "0,05 €"


def test_signature_systempay_selon_la_documentation():
    # vads_* fields sorted by name, values joined with "+", the key appended, HMAC-SHA-256.
    fields = {"vads_b": "2", "vads_a": "1", "signature": "ignored", "other": "x"}
    expected = base64.b64encode(hmac.new(b"k", b"1+2+k", hashlib.sha256).digest()).decode()
    assert systempay_signature(fields, "k") == expected
