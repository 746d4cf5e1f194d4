"""On a phone: a parent updates the Dossier Unique and pre-registers a baby in a crèche; axe-core
finds no serious or critical violation on any page of the journey."""

from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from contracts.dates_fr import paris_today
from family.demo import add_demo_family

from .test_family_space import PHONE, register_and_log_in


def store_family(stack) -> str:
    identifier = str(34000 + uuid.uuid4().int % 1000)
    engine = create_engine(stack.database_urls["family"])
    with Session(engine) as session, session.begin():
        add_demo_family(session, identifier)
    engine.dispose()
    return identifier


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_un_parent_met_a_jour_son_dossier_et_preinscrit_en_creche(new_page, stack, axe_violations):
    family_id = store_family(stack)
    page = new_page(**PHONE)
    register_and_log_in(page, stack)
    page.goto("/famille/activation")
    page.get_by_role("textbox", name="Mon numéro identifiant famille").fill(family_id)
    page.get_by_role("textbox", name="Nom de famille").fill("Müller")
    page.get_by_label("Prénom d'un responsable de la famille").fill("Hélène")
    page.get_by_role("button", name="Activer mon espace famille").click()

    page.get_by_role("link", name="Voir et modifier le dossier unique").click()
    expect(page.get_by_role("heading", name="Dossier unique de la famille Müller")).to_be_visible()
    fits(page)
    assert axe_violations(page) == []

    page.get_by_role("link", name="Modifier la liste : Personnes autorisées").click()
    first = page.get_by_role("group", name="Personne 1")
    first.get_by_label("Prénom").fill("Odile")
    first.get_by_label("Nom", exact=True).fill("Martin")
    first.get_by_label("Téléphone").fill("06 11 22 33")
    first.get_by_label("Lien avec les enfants").fill("Grand-mère")
    fits(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error-summary")).to_contain_text("Numéro de téléphone invalide")
    assert axe_violations(page) == []
    first.get_by_label("Téléphone").fill("06 11 22 33 44")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("Modification enregistrée.")
    expect(page.locator("main")).to_contain_text("Odile Martin (Grand-mère)")

    page.get_by_role("link", name="Modifier les autorisations").click()
    page.get_by_label("les sorties de mes enfants").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("Sorties hors de l'établissementAutorisées")

    page.get_by_role("link", name="Mes préinscriptions (crèche, école)").click()
    page.get_by_role("link", name="Préinscrire un enfant en crèche").click()
    expect(page.get_by_role("heading", name="Préinscription en crèche")).to_be_visible()
    assert axe_violations(page) == []
    fits(page)
    start = date(paris_today().year + 1, 9, 1).isoformat()
    page.get_by_label("Non, la naissance est attendue").check()
    page.get_by_label("Nom de l'enfant", exact=True).fill("Müller")
    page.get_by_label("Date de naissance prévue").fill(
        date(paris_today().year + 1, 3, 14).isoformat()
    )
    page.get_by_label("Date d'entrée souhaitée").fill(start)
    page.get_by_label("Jours par semaine").fill("4")
    page.get_by_label("Heures par semaine").fill("36")
    page.get_by_label("1er choix").select_option(label="Crèche municipale de Montessuy")
    page.get_by_label("2e choix").select_option(label="Crèche municipale de Saint-Clair")
    page.get_by_role("button", name="Envoyer la préinscription").click()
    expect(page.locator("main")).to_contain_text(
        "Préinscription enregistrée sous la référence CRE-"
    )
    expect(page.locator("main")).to_contain_text(
        "1. Crèche municipale de Montessuy ; 2. Crèche municipale de Saint-Clair"
    )
    expect(page.locator("main")).to_contain_text("Déposée")
    fits(page)
    assert axe_violations(page) == []

    page.goto(f"/famille/historique?famille={family_id}")
    expect(page.get_by_role("heading", name="Historique du dossier unique")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Personnes autorisées à venir chercher les enfants"
    )
    assert axe_violations(page) == []


def test_le_guichet_valide_un_quotient_envoye_depuis_un_telephone(new_page, stack, axe_violations):
    family_id = store_family(stack)
    parent = new_page(**PHONE)
    register_and_log_in(parent, stack)
    parent.goto("/famille/activation")
    parent.get_by_role("textbox", name="Mon numéro identifiant famille").fill(family_id)
    parent.get_by_role("textbox", name="Nom de famille").fill("Müller")
    parent.get_by_label("Prénom d'un responsable de la famille").fill("Hélène")
    parent.get_by_role("button", name="Activer mon espace famille").click()
    parent.goto(f"/famille/dossier/quotient-familial?famille={family_id}")
    assert axe_violations(parent) == []
    parent.get_by_label("Quotient familial").fill("640")
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    parent.get_by_label("Attestation").set_input_files(
        {"name": "caf.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    parent.get_by_role("button", name="Envoyer pour validation").click()
    expect(parent.locator("main")).to_contain_text("le guichet SimpliCité la vérifiera")

    agent = new_page()
    email, password = stack.simplicite_login
    agent.goto("/agents/connexion")
    agent.get_by_label("Adresse e-mail").fill(email)
    agent.get_by_label("Mot de passe", exact=True).fill(password)
    agent.get_by_role("button", name="Se connecter").click()
    agent.goto("/agents/familles")
    agent.get_by_label("Rechercher une famille").fill(family_id)
    agent.get_by_role("button", name="Rechercher").click()
    expect(agent.get_by_role("link", name=family_id)).to_be_visible()
    assert axe_violations(agent) == []
    agent.get_by_role("link", name="Demandes à valider").click()
    card = agent.locator("li.card", has_text=f"n° {family_id}")
    expect(card).to_contain_text("Demandé640")
    assert axe_violations(agent) == []
    card.get_by_label("Valider").check()
    card.get_by_role("button", name="Enregistrer la décision").click()
    expect(agent.locator("main")).to_contain_text("Demande validée.")
    agent.goto(f"/agents/familles/{family_id}")
    expect(agent.locator("main")).to_contain_text("640 (depuis le")
    assert axe_violations(agent) == []

    parent.reload()
    expect(parent.locator("main")).to_contain_text("640, pris en compte depuis le")
