"""Rules of the childcare certificate: who is under 6, what counts, how a payment is shared."""

from __future__ import annotations

from datetime import date

from billing import documents
from billing.certificates import CHILDCARE_ACTIVITIES, PaidInvoice, share, under_six
from hypothesis import given
from hypothesis import strategies as st

from contracts.family_activities import ACTIVITY_CODES


def test_moins_de_6_ans_au_31_decembre():
    assert under_six(date(2021, 1, 1), 2026)
    assert under_six(date(2026, 12, 31), 2026)
    assert not under_six(date(2020, 12, 31), 2026)  # 6 ans le 31 décembre 2026
    assert not under_six(date(2027, 1, 1), 2026)
    assert not under_six(None, 2026)


def test_la_garde_exclut_les_repas():
    assert set(CHILDCARE_ACTIVITIES) == set(ACTIVITY_CODES) - {"restauration_scolaire"}


def test_un_paiement_partiel_est_partage_au_prorata_des_lignes():
    # 100 € facturés : 30 € de garde de Léa, 10 € de garde de Tom, 60 € de repas ; 50 € payés
    invoice = PaidInvoice(10_000, 5_000, {"lea": 3_000, "tom": 1_000})
    assert share([invoice]) == {"lea": 1_500, "tom": 500}
    assert share([PaidInvoice(10_000, 0, {"lea": 3_000})]) == {}


invoices = st.lists(
    st.integers(1, 50_000).flatmap(
        lambda total: st.builds(
            PaidInvoice,
            st.just(total),
            st.integers(0, total + 5_000),
            st.dictionaries(
                st.sampled_from(["lea", "tom", "zoe"]), st.integers(1, total), max_size=3
            ).filter(lambda care: sum(care.values()) <= total),
        )
    ),
    max_size=12,
)


@given(invoices)
def test_jamais_plus_que_paye_ni_que_facture_pour_la_garde(found):
    amounts = share(found)
    assert sum(amounts.values()) <= sum(min(i.paid_in_year_cents, i.total_cents) for i in found)
    for child, cents in amounts.items():
        assert 0 < cents <= sum(i.childcare_cents.get(child, 0) for i in found)


@given(invoices)
def test_une_facture_payee_en_entier_compte_toute_sa_garde(found):
    paid = [PaidInvoice(i.total_cents, i.total_cents, i.childcare_cents) for i in found]
    expected: dict[str, int] = {}
    for invoice in paid:
        for child, cents in invoice.childcare_cents.items():
            expected[child] = expected.get(child, 0) + cents
    assert share(paid) == expected


def test_l_attestation_pdf_nomme_l_annee_et_les_enfants():
    rows = [
        type(
            "Row",
            (),
            dict(
                family_id="4217",
                year=2026,
                child_first_name=name,
                birth_date=born,
                amount_cents=cents,
            ),
        )
        for name, born, cents in (
            ("Léa", date(2021, 3, 14), 41_250),
            ("Zoé", date(2023, 5, 2), 900),
        )
    ]
    [view] = documents.certificate_views(rows)
    assert view["amount_cents"] == 42_150 and len(view["children"]) == 2
    content = documents.certificate_pdf(view)
    assert content.startswith(b"%PDF") and b"Attestation de frais de garde 2026" in content
