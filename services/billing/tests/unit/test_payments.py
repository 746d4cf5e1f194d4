"""What a verified provider answer may do to an attempt: states only move forward."""

from __future__ import annotations

import pytest
from billing import payments
from billing.payments import FAILED_STATES, OPEN_STATES, Verdict, decide

from contracts.errors import Conflict


def verdict(state: str, amount: int | None = 9440, currency: str | None = "978") -> Verdict:
    return Verdict("a1", state, amount, currency, "20261202_abc123")


@pytest.mark.parametrize("current", OPEN_STATES)
def test_un_paiement_verifie_du_bon_montant_est_accepte(current):
    assert decide(current, 9440, verdict("paid")).action == "pay"


def test_un_paiement_deja_accepte_n_est_jamais_reaccepte():
    assert decide("paid", 9440, verdict("paid")).action == "ignore"


@pytest.mark.parametrize(
    ("amount", "currency"), [(9441, "978"), (1, "978"), (None, "978"), (9440, "840")]
)
def test_un_montant_ou_une_devise_differents_vont_en_verification(amount, currency):
    decision = decide("redirected", 9440, verdict("paid", amount, currency))
    assert (decision.action, decision.state) == ("review", "review")


@pytest.mark.parametrize("current", FAILED_STATES)
def test_de_l_argent_recu_apres_un_echec_va_en_verification(current):
    assert decide(current, 9440, verdict("paid")).action == "review"


@pytest.mark.parametrize("later", ["refused", "cancelled", "expired", "error", "waiting"])
def test_un_paiement_accepte_ne_recule_pas(later):
    decision = decide("paid", 9440, verdict(later))
    assert (decision.action, decision.state) == ("ignore", "paid")


def test_l_attente_ne_fait_qu_avancer():
    assert decide("redirected", 9440, verdict("waiting")).state == "waiting"
    assert decide("waiting", 9440, verdict("waiting")).action == "ignore"
    assert decide("waiting", 9440, verdict("refused")).state == "refused"


def test_une_verification_en_cours_n_est_pas_defaite():
    assert decide("review", 9440, verdict("paid")).action == "ignore"
    assert decide("review", 9440, verdict("refused")).action == "ignore"


def test_la_regie_tranche_une_verification_une_seule_fois():
    assert payments.settle("review", "affecter") == "paid"
    assert payments.settle("review", "rembourser") == "to_refund"
    for state in ("paid", "to_refund", "waiting", "refused"):
        with pytest.raises(Conflict):
            payments.settle(state, "affecter")


def test_un_paiement_a_rembourser_ne_bouge_plus():
    for status in ("paid", "refused", "waiting"):
        verdict = Verdict("a", status, 9440, payments.CURRENCY_EUR, "t")
        assert payments.decide("to_refund", 9440, verdict).action == "ignore"
