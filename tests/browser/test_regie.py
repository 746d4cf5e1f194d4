"""The régie's pages on a phone: an agent logs in, finds a family's invoice, takes cash at
the counter and sees it paid, then settles an online payment held for review; axe-core
finds no serious or critical violation."""

from __future__ import annotations

import uuid

from billing.demo import add_demo_invoice, add_demo_review
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chassis.types import utcnow

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def regie_page(new_page, stack):
    """A phone's page, logged in as the régie's agent."""
    page = new_page(**PHONE)
    page.goto("/agents/connexion")
    email, password = stack.regie_login
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Régie", exact=True)).to_be_visible()
    return page


def test_la_regie_encaisse_au_guichet_sur_un_telephone(new_page, stack, axe_violations):
    family_id = str(36000 + uuid.uuid4().int % 1000)
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session, session.begin():
        add_demo_invoice(session, utcnow(), family_id)
    engine.dispose()

    page = regie_page(new_page, stack)
    assert axe_violations(page) == []

    page.get_by_label("Numéro de famille ou référence de facture").fill(family_id)
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=f"Facture PERI-{family_id}-").click()
    expect(page.locator("#etat-facture")).to_have_text("À payer")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []

    page.get_by_label("Montant reçu (en euros)").fill("94,40")
    page.get_by_label("Moyen de paiement").select_option("especes")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.locator("main")).to_contain_text("Paiement enregistré.")
    expect(page.locator("#etat-facture")).to_have_text("Payée")
    assert axe_violations(page) == []


def test_la_regie_decide_d_un_paiement_en_verification_sur_un_telephone(
    new_page, stack, axe_violations
):
    family_id = str(38900 + uuid.uuid4().int % 99)
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session, session.begin():
        reason = "montant reçu 100 au lieu de 9440 centimes"
        review_path = (
            f"/agents/regie/verifications/{add_demo_review(session, utcnow(), family_id, reason)}"
        )
    engine.dispose()

    page = regie_page(new_page, stack)
    page.goto(review_path)
    expect(page.get_by_role("heading", name="Paiement à vérifier")).to_be_visible()
    page.get_by_label("À rembourser").check()
    page.get_by_label("Montant reçu (en euros)").fill("1")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".error-summary")).to_contain_text("Indiquez pourquoi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    page.get_by_label("Motif").fill("Paiement incomplet, remboursé par virement.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("main")).to_contain_text("Décision enregistrée.")
    expect(page.locator("main")).to_contain_text("à rembourser, 1,00")
    assert axe_violations(page) == []
