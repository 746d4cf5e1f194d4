"""Accounts in a real browser: register, confirm the e-mail from the SMTP sink, log in and out;
log in and out through the FranceConnect test provider; every account page passes axe-core
(no serious or critical violation)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

CONFIRM_SUBJECT = "Confirmez votre adresse e-mail"
CONFIRM_LINK = re.compile(r"https?://\S+/compte/confirmation\?jeton=\S+")


def new_account() -> tuple[str, str]:
    return (
        f"navigateur-{uuid.uuid4().hex[:8]}@exemple.fr",
        f"Glycine-Lavoir-{uuid.uuid4().hex[:8]}-5!",
    )


def register(page: Page, stack, email: str, password: str) -> None:
    """Fill the registration form, then open the confirmation link the sink received."""
    page.goto("/compte/creer")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmation du mot de passe").fill(password)
    page.get_by_label("Civilité").select_option("monsieur")
    page.get_by_label("Prénom").fill("Bastien")
    page.locator("#field-family_name").fill("Fontaine")
    page.get_by_label("Code postal").fill("69300")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Vérifiez votre boîte aux lettres")).to_be_visible()

    mail = stack.wait_for_message(email, CONFIRM_SUBJECT)
    link = CONFIRM_LINK.search(mail["text"])
    assert link, mail["text"]
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Confirmation de l'adresse e-mail")).to_be_visible()
    expect(page.locator("main")).to_contain_text(email)


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/connexion")
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()


def test_inscription_confirmation_connexion_et_deconnexion(page, stack):
    email, password = new_account()
    register(page, stack, email, password)

    log_in(page, email, password)
    expect(page.get_by_role("link", name="Mon compte")).to_be_visible()
    log_out(page)

    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    page.goto("/compte")
    expect(page).to_have_url(re.compile(r"/connexion"))


def test_connexion_et_deconnexion_par_franceconnect(page, stack):
    page.goto("/connexion")
    page.get_by_role("link", name="S’identifier avec FranceConnect").click()

    expect(page).to_have_url(re.compile(re.escape(stack.franceconnect_url)))
    page.get_by_role("button", name=re.compile("Fatoumata DIALLO")).click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
    page.goto("/compte/informations")
    expect(page.get_by_label("Prénom")).to_have_value("Fatoumata")

    log_out(page)

    expect(page.get_by_role("heading", name="Vous êtes déconnecté")).to_be_visible()
    assert page.url.startswith(f"{stack.gateway_url}/auth/franceconnect/logout?")
    assert stack.last_franceconnect_logout()["accepted"] is True
    page.goto("/compte")
    expect(page).to_have_url(re.compile(r"/connexion"))


@pytest.fixture(scope="module")
def citizen(browser, stack) -> tuple[str, str]:
    """One confirmed account for the page checks below."""
    context = browser.new_context(base_url=stack.gateway_url, locale="fr-FR")
    try:
        email, password = new_account()
        register(context.new_page(), stack, email, password)
    finally:
        context.close()
    return email, password


def logged_in_at(path: str):
    def open_page(page: Page, stack, citizen) -> None:
        log_in(page, *citizen)
        page.goto(path)

    return open_page


def open_login(page: Page, stack, citizen) -> None:
    page.goto("/connexion")
    expect(page.get_by_role("link", name="S’identifier avec FranceConnect")).to_be_visible()


def open_admin_agents(page: Page, stack, citizen) -> None:
    email, password = stack.admin_login
    page.goto("/agents/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto("/admin/agents")
    expect(page.get_by_role("heading", name="Créer un compte agent")).to_be_visible()


PAGES = {
    "creation_de_compte": lambda page, stack, citizen: page.goto("/compte/creer"),
    "connexion": open_login,
    "mot_de_passe_oublie": lambda page, stack, citizen: page.goto("/mot-de-passe-oublie"),
    "mon_compte": logged_in_at("/compte"),
    "mes_informations": logged_in_at("/compte/informations"),
    "mes_preferences": logged_in_at("/compte/preferences"),
    "mon_espace": logged_in_at("/mon-espace"),
    "connexion_agent": lambda page, stack, citizen: page.goto("/agents/connexion"),
    "administration_des_agents": open_admin_agents,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_de_compte_sans_violation_grave_d_accessibilite(
    name, page, stack, citizen, axe_violations
):
    PAGES[name](page, stack, citizen)
    assert page.title(), "the page has no title"

    assert axe_violations(page) == []
