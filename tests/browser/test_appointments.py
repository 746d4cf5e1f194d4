"""Booking a passport appointment on a phone: choose the type, a time, fill in the form,
read the confirmation, then move it from the manage page; axe-core finds no serious or
critical violation on any of those pages, and none scrolls sideways."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_reserver_un_rendez_vous_passeport_sur_un_telephone(new_page, stack, axe_violations):
    page = new_page(**PHONE)
    page.goto("/")
    page.get_by_role("link", name="Prendre rendez-vous pour un passeport").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("passeport")
    assert axe_violations(page) == [] and fits_the_phone(page)

    page.get_by_role("link", name="Passeport", exact=True).click()
    expect(page.get_by_role("heading", name="Passeport : choisissez un horaire")).to_be_visible()
    assert axe_violations(page) == [] and fits_the_phone(page)
    page.locator("ul.slots a").first.click()

    expect(page.get_by_role("heading", name="Réserver : Passeport")).to_be_visible()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.get_by_role("alert")).to_contain_text("erreur")
    assert axe_violations(page) == [] and fits_the_phone(page)
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Adresse e-mail").fill(f"rdv-{uuid.uuid4().hex[:8]}@exemple.fr")
    page.get_by_label("Numéro de pré-demande ANTS").fill("ab12cd34ef")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()

    expect(page.get_by_role("status")).to_contain_text("Votre rendez-vous est confirmé")
    expect(page.locator("main")).to_contain_text("AB12CD34EF")
    assert axe_violations(page) == [] and fits_the_phone(page)

    page.get_by_role("link", name="Déplacer le rendez-vous").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Déplacer le rendez-vous RDV-")
    assert axe_violations(page) == [] and fits_the_phone(page)
    page.locator("ul.slots button").last.click()
    expect(page.locator("main")).to_contain_text("Réservé")
    page.get_by_role("button", name="Annuler le rendez-vous").click()
    expect(page.locator(".badge")).to_have_text("Annulé")
    assert axe_violations(page) == [] and fits_the_phone(page)
