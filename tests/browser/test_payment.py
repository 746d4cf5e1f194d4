"""Paying an invoice on a phone: the parent sees the invoice, pays on the simulator's page,
sees it paid and downloads the receipt; axe-core finds no serious or critical violation on
the portal's pages of the journey."""

from __future__ import annotations

import uuid

from billing.demo import add_demo_invoice
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chassis.types import utcnow
from family.demo import add_demo_family

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def store_family_with_invoice(stack) -> str:
    identifier = str(34000 + uuid.uuid4().int % 1000)
    for database, add in (
        ("family", lambda session: add_demo_family(session, identifier)),
        ("billing", lambda session: add_demo_invoice(session, utcnow(), identifier)),
    ):
        engine = create_engine(stack.database_urls[database])
        with Session(engine) as session, session.begin():
            add(session)
        engine.dispose()
    return identifier


def activate(page, stack, family_id: str) -> None:
    from .test_accounts import log_in, new_account, register

    email, password = new_account()
    register(page, stack, email, password)
    log_in(page, email, password)
    page.goto("/famille/activation")
    page.get_by_role("textbox", name="Mon numéro identifiant famille").fill(family_id)
    page.get_by_role("textbox", name="Nom de famille").fill("Müller")
    page.get_by_label("Prénom d'un responsable de la famille").fill("Hélène")
    page.get_by_role("button", name="Activer mon espace famille").click()
    expect(page.get_by_role("heading", name="Famille Müller")).to_be_visible()


def fits_and_passes_axe(page, axe_violations) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []


def test_un_parent_paie_sa_facture_sur_un_telephone(new_page, stack, axe_violations):
    stack.set_payment_switches()
    family_id = store_family_with_invoice(stack)
    page = new_page(**PHONE, accept_downloads=True)
    activate(page, stack, family_id)

    page.get_by_role("link", name="Mes factures et paiements en ligne").click()
    expect(page.get_by_role("heading", name="Mes factures")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Reste à payer")
    fits_and_passes_axe(page, axe_violations)

    page.get_by_role("link", name=f"Facture PERI-{family_id}-").click()
    expect(page.locator("#etat-facture")).to_have_text("À payer")
    expect(page.locator("main")).to_contain_text("Centre de loisirs – Noé")
    fits_and_passes_axe(page, axe_violations)

    page.get_by_role("button", name="Payer 94,40").click()
    expect(page.get_by_role("heading", name="Paiement de la facture")).to_be_visible()
    fits_and_passes_axe(page, axe_violations)
    page.get_by_role("button", name="Continuer vers le paiement sécurisé").click()
    expect(
        page.get_by_role("heading", name="Paiement sécurisé (simulateur Systempay)")
    ).to_be_visible()
    page.get_by_role("button", name="Payer", exact=True).click()

    expect(page.locator("#etat-paiement")).to_have_text("Paiement accepté")
    fits_and_passes_axe(page, axe_violations)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le reçu (PDF)").click()
    receipt = download.value
    assert receipt.suggested_filename.startswith(f"recu-PERI-{family_id}-")
    with open(receipt.path(), "rb") as saved:
        assert saved.read(5) == b"%PDF-"

    page.get_by_role("link", name="Voir la facture").click()
    expect(page.locator("#etat-facture")).to_have_text("Payée")
    expect(page.get_by_role("button", name="Payer 94,40")).to_have_count(0)
    fits_and_passes_axe(page, axe_violations)
