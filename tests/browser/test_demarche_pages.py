"""Démarches on a phone (390 × 844) in Chromium: a livret de famille asked, processed from
the agents' queue, the requester answering what the agent asked; the arrêté and vignette
forms. Every page passes axe-core (no serious or critical violation) without horizontal
scroll."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NUMBER = re.compile(r"LVF-\d{4}-\d{6}")


def check_page(page: Page, axe_violations) -> None:
    """No horizontal scroll on the phone, no serious accessibility violation."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url}: content {width} px wide on a 390 px screen"
    assert axe_violations(page) == [], page.url


def ask_livret(page: Page) -> str:
    page.goto("/demarches")
    page.get_by_role("link", name="Demander un nouveau livret de famille").click()
    page.get_by_label("Vol", exact=True).check()
    page.get_by_label("Nom et prénoms du premier titulaire du livret").fill("Lou Bernard")
    page.get_by_label("Vos nom et prénom").fill("Lou Bernard")
    page.get_by_label("Adresse d'envoi (numéro et rue)").fill("1 quai Clemenceau")
    page.get_by_label("Code postal").fill("69300")
    page.get_by_label("Commune").fill("Caluire-et-Cuire")
    page.get_by_label("Adresse e-mail").fill(f"livret-{uuid.uuid4().hex[:8]}@exemple.fr")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("heading", name="Votre demande a bien été enregistrée")).to_be_visible()
    return page.locator(".notice .tracking-number").inner_text()


def log_in(page: Page, login: tuple[str, str]) -> None:
    email, password = login
    page.goto("/agents/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Démarches", exact=True)).to_be_visible()


def test_livret_demande_traite_dans_la_file_et_complete_par_le_demandeur(
    new_page, stack, axe_violations
):
    citizen = new_page(**PHONE)
    citizen.goto("/demarches")
    check_page(citizen, axe_violations)
    number = ask_livret(citizen)
    assert NUMBER.fullmatch(number), number
    tracking = citizen.url
    check_page(citizen, axe_violations)

    agent = new_page(**PHONE)
    log_in(agent, stack.etat_civil_login)
    agent.get_by_role("link", name="Démarches", exact=True).click()
    agent.get_by_label("Recherche").fill(number)
    agent.get_by_role("button", name="Filtrer").click()
    check_page(agent, axe_violations)
    agent.get_by_role("link", name=number).click()
    agent.get_by_role("button", name="Me l'attribuer").click()
    expect(agent.get_by_text("Demande attribuée à vous.")).to_be_visible()
    agent.get_by_label("En attente de votre réponse").check()
    agent.get_by_label("Commentaire").fill("Joignez le récépissé de votre déclaration de vol.")
    agent.get_by_label("Note interne (facultatif)").fill("Vérifier le registre.")
    agent.get_by_role("button", name="Enregistrer le statut").click()
    expect(agent.get_by_text("Note interne : Vérifier le registre.")).to_be_visible()
    check_page(agent, axe_violations)

    citizen.goto(tracking)
    expect(citizen.get_by_role("heading", name="Répondre au service")).to_be_visible()
    expect(citizen.get_by_text("Vérifier le registre")).to_have_count(0)
    check_page(citizen, axe_violations)
    citizen.get_by_role("button", name="Envoyer ma réponse").click()
    expect(citizen.locator("#field-message-error")).to_contain_text("Ce champ est obligatoire.")
    check_page(citizen, axe_violations)
    citizen.get_by_label("Votre réponse").fill("Voici le récépissé.")
    citizen.get_by_label("Documents joints").set_input_files(
        files=[{"name": "recepisse.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4 recepisse"}]
    )  # fmt: skip
    citizen.get_by_role("button", name="Envoyer ma réponse").click()
    expect(citizen.get_by_text("Votre réponse a été transmise au service.")).to_be_visible()
    expect(
        citizen.locator(".history strong", has_text=re.compile("^Votre réponse$"))
    ).to_be_visible()

    agent.reload()
    expect(agent.get_by_text("Voici le récépissé.")).to_be_visible()
    expect(agent.get_by_role("link", name="recepisse.pdf")).to_be_visible()


def test_formulaires_de_la_vie_pratique_sur_un_telephone(new_page, axe_violations):
    page = new_page(**PHONE)
    page.goto("/demarches/arrete_stationnement/nouvelle")
    check_page(page, axe_violations)
    soon = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=3)
    page.get_by_label("Adresse du déménagement (numéro et rue)").fill("3 place Jules Ferry")
    page.get_by_label("Premier jour de stationnement").fill(soon.isoformat())
    page.get_by_label("Dernier jour de stationnement").fill(soon.isoformat())
    page.get_by_label("Longueur à réserver, en mètres").fill("10")
    page.get_by_label("Camion de 3,5 tonnes ou plus").check()
    page.get_by_label("Vos nom et prénom").fill("Dominique Durand")
    page.get_by_label("Adresse e-mail").fill(f"arrete-{uuid.uuid4().hex[:8]}@exemple.fr")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#field-date_debut-error")).to_contain_text("au moins 10 jours")
    check_page(page, axe_violations)
    page.goto("/demarches/vignette_resident/nouvelle")
    expect(page.get_by_label("Justificatif de domicile de moins de 3 mois")).to_be_visible()
    check_page(page, axe_violations)
