"""Billing e-mails: one per event that matters, to the right address, with the right link."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from contracts import billing
from contracts.base import example
from contracts.catalogue import EVENTS
from notifications.billing_mails import recipients
from notifications.rendering import MailComposer, make_environment

PUBLIC_URL = "https://portail.ville-caluire.fr/"
PARENT = "3f6c1a52-8d7e-4b0f-9a21-5c4d3e2f1a0b"
INVOICE_LINK = "https://portail.ville-caluire.fr/famille/factures/5b1e6a0c2f4d4e8a9c7b3d2e1f0a9b8c"
RECEIPT_LINK = (
    "https://portail.ville-caluire.fr/famille/factures/paiements/"
    "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d/recu"
)


def golden(event_type: str, **changes) -> dict:
    return EVENTS[event_type]().load({**example(event_type), **changes})


def render(event_type: str, **changes):
    composer = MailComposer(make_environment(), PUBLIC_URL)
    return composer.billing_mail(event_type, golden(event_type, **changes), "parent@exemple.fr")


def contacts(**known):
    return lambda account_ids: {i: known[i] for i in account_ids if i in known}


def test_une_nouvelle_facture_donne_montant_echeance_et_lien():
    mail = render(billing.INVOICE_ISSUED)
    assert mail.subject == "Nouvelle facture PERI-4217-202612-1 : 94,40 €"
    assert "avant le 01/01/2027" in mail.text
    assert INVOICE_LINK in mail.text and f'href="{INVOICE_LINK}"' in mail.html


def test_une_facture_soldee_donne_le_recu():
    mail = render(billing.INVOICE_PAID)
    assert mail.subject == "Facture DIV-0-202705-4 payée"
    assert RECEIPT_LINK in mail.text and f'href="{RECEIPT_LINK}"' in mail.html


def test_un_paiement_qui_solde_la_facture_n_envoie_qu_un_courriel():
    assert render(billing.PAYMENT_SUCCEEDED) is None
    partial = render(billing.PAYMENT_SUCCEEDED, balance_cents=1000)
    assert "Il reste 10,00 € à régler" in partial.text


@pytest.mark.parametrize(
    ("state", "told"),
    [("refused", True), ("error", True), ("cancelled", False), ("expired", False)],
)
def test_seuls_les_refus_et_erreurs_sont_signales(state, told):
    assert (render(billing.PAYMENT_FAILED, state=state) is not None) is told


def test_une_verification_dit_de_ne_pas_payer_deux_fois():
    assert "Ne payez pas une seconde fois" in render(billing.PAYMENT_UNDER_REVIEW).text


def test_destinataires_frais_puis_chaque_compte_lie_connu_et_ouvert_une_fois():
    fee = golden(billing.INVOICE_PAID)
    assert recipients(fee, contacts()) == ["x@exemple.fr"]
    linked = ["ferme", "inconnu", PARENT, "second", "meme_adresse"]
    family = golden(billing.INVOICE_ISSUED, account_ids=linked)
    closed = SimpleNamespace(closed=True, email="ancien@exemple.fr")
    parent = SimpleNamespace(closed=False, email="helene@exemple.fr")
    second = SimpleNamespace(closed=False, email="paul@exemple.fr")
    same = SimpleNamespace(closed=False, email="Helene@Exemple.fr")
    known = contacts(ferme=closed, second=second, meme_adresse=same, **{PARENT: parent})
    assert recipients(family, known) == ["helene@exemple.fr", "paul@exemple.fr"]
    assert recipients(family, contacts()) == []


def test_l_attestation_de_frais_de_garde_donne_l_annee_le_montant_et_le_lien():
    mail = render(billing.CHILDCARE_CERTIFICATE_ISSUED)
    assert mail.subject == "Votre attestation de frais de garde 2026"
    assert (
        "412,50 €" in mail.text and "https://portail.ville-caluire.fr/famille/factures" in mail.text
    )
    assert 'href="https://portail.ville-caluire.fr/famille/factures"' in mail.html


def test_le_rappel_d_echeance_donne_le_reste_a_payer_et_ou_payer():
    mail = render(billing.INVOICE_OVERDUE)
    assert mail.subject == "Rappel : facture PERI-4217-202612-1 à régler"
    assert "avant le 01/01/2027 : il reste 54,40 € à payer" in mail.text
    assert "régie" in mail.text and f'href="{INVOICE_LINK}"' in mail.html


def test_une_facture_de_frais_n_est_pas_annoncee_deux_fois():
    """The salle des fêtes' acceptance (requests.fee_due) already says what to pay."""
    assert render(billing.INVOICE_ISSUED, reference="SDF-2027-000012") is None


def test_une_facture_annulee_donne_le_montant_annule_et_le_motif():
    mail = render(billing.INVOICE_CANCELLED)
    assert mail.subject == "Facture DIV-0-202705-4 annulée"
    assert "450,00 €" in mail.text and "La mairie a besoin de la salle ce jour-là." in mail.text
    assert "ce jour-l\u00e0" in mail.text or "ce jour-là" in mail.html


def test_un_paiement_a_rembourser_le_dit_avec_le_motif():
    mail = render(billing.PAYMENT_TO_REFUND)
    assert mail.subject == "Votre paiement pour la facture PERI-4217-202612-1 sera remboursé"
    assert "104,40 €" in mail.text and "la différence est remboursée" in mail.text
    assert "reste à payer" in mail.text
