"""Requesting the salle des fêtes on a phone: availability and prices, the request form with
its insurance certificate, the request's page; then an agent accepts it and the requester
sees it accepted. axe-core finds no serious or critical violation, nothing scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from .test_accounts import log_in, log_out, new_account, register

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_demander_la_salle_des_fetes_sur_un_telephone(new_page, stack, axe_violations):
    page = new_page(**PHONE)
    email, password = new_account()
    register(page, stack, email, password)
    log_in(page, email, password)
    page.goto("/")
    page.get_by_role("link", name="Louer la salle des fêtes").click()
    expect(page.get_by_role("heading", name="Louer la salle des fêtes")).to_be_visible()
    expect(page.locator("main")).to_contain_text("900,00 €")
    assert axe_violations(page) == [] and fits_the_phone(page)

    page.get_by_role("link", name="Mois suivant").click()
    page.locator(".hall-days a", has_text="Journée entière").first.click()
    expect(page.get_by_role("heading", name="Demander la salle des fêtes")).to_be_visible()
    expect(page.get_by_label("Adresse e-mail")).to_have_value(email)
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("alert")).to_contain_text("erreur")
    assert axe_violations(page) == [] and fits_the_phone(page)

    page.get_by_label("Type d'événement").select_option("anniversaire")
    page.get_by_label("Nombre de personnes").fill("80")
    page.get_by_label("J'habite la commune").check()
    page.get_by_label("Attestation d'assurance").set_input_files(
        {"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est enregistrée")
    expect(page.locator(".badge")).to_have_text("Demandée")
    reference = page.locator("h1 .tracking-number").inner_text()
    assert axe_violations(page) == [] and fits_the_phone(page)
    log_out(page)

    agent = new_page()
    agent.goto("/agents/connexion")
    agent.get_by_label("Adresse e-mail").fill(stack.admin_login[0])
    agent.get_by_label("Mot de passe").fill(stack.admin_login[1])
    agent.get_by_role("button", name="Se connecter").click()
    agent.goto("/agents/salle-des-fetes?statut=demandee")
    agent.get_by_role("button", name=f"Accepter {reference}").click()
    expect(agent.locator("main")).to_contain_text("Réponse enregistrée")
    assert axe_violations(agent) == []

    log_in(page, email, password)
    page.goto(f"/salle-des-fetes/demande/{reference}")
    expect(page.locator(".badge")).to_have_text("Acceptée")
    stack.wait_for_message(email, f"Salle des fêtes : votre demande {reference} est acceptée")
