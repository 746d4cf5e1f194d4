"""A citizen reports a problem in a real browser; every page passes axe-core (no serious or
critical violation) and the form fits a phone screen."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

TRACKING_NUMBER = re.compile(r"ESP-\d{4}-\d{6}")


def fill_report(page: Page, photo: bytes) -> str:
    """Fill and send the form like a citizen; returns the e-mail used."""
    email = f"navigateur-{uuid.uuid4().hex[:8]}@exemple.fr"
    page.goto("/signalements/nouveau")
    page.get_by_label("Espaces verts").check()
    page.get_by_label("Adresse ou lieu précis").fill("Parc de la Jonchère, Caluire-et-Cuire")
    page.get_by_label("Description du problème").fill("Une branche cassée pend au-dessus du banc.")
    page.get_by_label("Adresse e-mail").fill(email)
    page.locator("#field-photo").set_input_files(
        files=[{"name": "branche.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.get_by_role("button", name="Envoyer le signalement").click()
    return email


def test_le_citoyen_envoie_un_signalement_et_voit_son_numero(page, photo_jpeg, stack):
    email = fill_report(page, photo_jpeg)

    expect(page).to_have_url(re.compile(r"/suivi/ESP-\d{4}-\d{6}\?cle=.+&nouveau=1"))
    expect(
        page.get_by_role("heading", name="Votre signalement a bien été enregistré")
    ).to_be_visible()
    number = page.locator(".notice .tracking-number").inner_text()
    assert TRACKING_NUMBER.fullmatch(number), number
    expect(page.locator("img.photo")).to_be_visible()
    assert page.locator("img.photo").evaluate("img => img.naturalWidth") > 0
    stack.wait_for_message(email, f"Votre signalement {number} a bien été reçu")


def log_in_as_agent(page: Page, login: tuple[str, str]) -> None:
    email, password = login
    page.goto("/agents/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Signalements", exact=True)).to_be_visible()


def open_home(page, stack, photo):
    page.goto("/")


def open_empty_form(page, stack, photo):
    page.goto("/signalements/nouveau")


def open_form_with_errors(page, stack, photo):
    page.goto("/signalements/nouveau")
    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#field-email-error")).to_contain_text("Adresse e-mail invalide")


def open_confirmation(page, stack, photo):
    fill_report(page, photo)
    expect(page.locator(".notice .tracking-number")).to_have_text(TRACKING_NUMBER)


def open_tracking_form(page, stack, photo):
    page.goto("/suivi")


def open_agent_login(page, stack, photo):
    page.goto("/agents/connexion")


def open_agent_list(page, stack, photo):
    fill_report(page, photo)
    log_in_as_agent(page, stack.agent_login)
    expect(page.locator("table")).to_be_visible()


def open_agent_detail(page, stack, photo):
    open_agent_list(page, stack, photo)
    page.locator("tbody th a").first.click()
    expect(page.get_by_role("heading", name="Changer le statut")).to_be_visible()


def open_admin_messages(page, stack, photo):
    fill_report(page, photo)
    log_in_as_agent(page, stack.admin_login)
    page.goto("/admin/messages")
    expect(page.locator("table")).to_be_visible()


def open_admin_open311_keys(page, stack, photo):
    log_in_as_agent(page, stack.admin_login)
    page.goto("/admin/open311/cles")
    page.get_by_label("Nom du partenaire").fill("Application partenaire du navigateur")
    page.get_by_role("button", name="Créer la clé").click()
    expect(page.get_by_label("Clé", exact=True)).to_be_visible()


PAGES = {
    "accueil": open_home,
    "formulaire_vide": open_empty_form,
    "formulaire_avec_erreurs": open_form_with_errors,
    "confirmation_et_suivi": open_confirmation,
    "formulaire_de_suivi": open_tracking_form,
    "connexion_agent": open_agent_login,
    "liste_agent": open_agent_list,
    "fiche_agent": open_agent_detail,
    "messages_admin": open_admin_messages,
    "cles_open311_admin": open_admin_open311_keys,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_sans_violation_grave_d_accessibilite(name, page, stack, photo_jpeg, axe_violations):
    PAGES[name](page, stack, photo_jpeg)
    assert page.title(), "the page has no title"

    assert axe_violations(page) == []


def test_formulaire_sans_defilement_horizontal_sur_mobile(new_page):
    page = new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page.goto("/signalements/nouveau")
    expect(page.get_by_role("button", name="Envoyer le signalement")).to_be_visible()

    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"horizontal scroll: content {widths[0]} px > {widths[1]} px"


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize(
    "name", ["confirmation_et_suivi", "liste_agent", "messages_admin", "cles_open311_admin"]
)
def test_page_lisible_sur_un_telephone_sans_defilement_horizontal(
    name, new_page, stack, photo_jpeg, axe_violations
):
    """The tracking key wraps; back-office tables become cards, each value with its label."""
    page = new_page(**PHONE)
    PAGES[name](page, stack, photo_jpeg)
    # The text may be there before the style sheet is: measure the page as it is shown (a run
    # on a busy machine measured the key unwrapped, 32 letters wide).
    page.wait_for_load_state("load")
    # The key is random: give it the widest letters, so that the check does not depend on luck.
    page.evaluate(
        "() => document.querySelectorAll('.tracking-key').forEach(k => k.textContent = 'W'.repeat(32))"
    )

    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scroll: content {width} px > 390 px"
    for cell in page.locator("table tbody tr").first.locator("th, td").all():
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        label = cell.get_attribute("data-label")
        shown = cell.evaluate("c => getComputedStyle(c, '::before').content")
        assert label and label in shown, (label, shown)
    assert axe_violations(page) == []


def test_numero_de_suivi_sur_une_seule_ligne_dans_la_liste_sur_un_telephone(
    new_page, stack, photo_jpeg
):
    page = new_page(**PHONE)
    open_agent_list(page, stack, photo_jpeg)
    number = page.locator("tbody th a").first
    expect(number).to_have_text(TRACKING_NUMBER)
    assert number.evaluate("a => a.getClientRects().length") == 1
    assert page.locator("td[data-label='Statut']").first.is_visible()


def test_enregistrer_le_statut_actuel_revient_sur_la_fiche_avec_un_message(
    page, stack, photo_jpeg, axe_violations
):
    open_agent_detail(page, stack, photo_jpeg)
    page.get_by_label("Commentaire").fill("Équipe prévenue.")
    page.get_by_role("button", name="Enregistrer le statut").click()

    expect(page.locator("#field-status-error")).to_contain_text(
        "Choisissez un statut différent du statut actuel."
    )
    expect(page.get_by_label("Commentaire")).to_have_value("Équipe prévenue.")
    expect(page.get_by_role("link", name="Retour à la liste")).to_be_visible()
    assert axe_violations(page) == []


def test_axe_detecte_une_violation_grave(page, axe_violations):
    """The check above can fail: a field without a label and an image without alt are caught."""
    page.set_content('<html lang="fr"><title>t</title><img src="x.png"><input type="text"></html>')

    found = " ".join(axe_violations(page))

    assert "image-alt" in found and "label" in found, found


def test_l_auteur_rouvre_un_signalement_resolu_sur_un_telephone(
    new_page, stack, photo_jpeg, axe_violations
):
    citizen = new_page(**PHONE)
    fill_report(citizen, photo_jpeg)
    number = citizen.locator(".notice .tracking-number").inner_text()
    agent = new_page()
    log_in_as_agent(agent, stack.agent_login)
    agent.get_by_role("link", name=number).click()
    agent.get_by_label("Nouveau statut").select_option("resolu")
    agent.get_by_role("button", name="Enregistrer le statut").click()
    expect(agent.get_by_text("Statut mis à jour.")).to_be_visible()

    citizen.reload()
    expect(citizen.get_by_role("heading", name="Le problème n'est pas réglé ?")).to_be_visible()
    citizen.get_by_role("button", name="Rouvrir le signalement").click()
    expect(citizen.locator("#field-reason-error")).to_contain_text("Ce champ est obligatoire.")
    assert axe_violations(citizen) == []
    citizen.get_by_label("Pourquoi rouvrir ce signalement").fill("Le trou est revenu.")
    citizen.get_by_role("button", name="Rouvrir le signalement").click()
    expect(citizen.get_by_text("Signalement rouvert : le service en est informé.")).to_be_visible()
    expect(citizen.locator(".badge")).to_have_text("En cours")
    width = citizen.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 and axe_violations(citizen) == []
