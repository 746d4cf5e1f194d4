"""Mon compte famille on a phone: activate the family space, read the Dossier Unique; axe-core
finds no serious or critical violation on either page."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from family.demo import add_demo_family

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def store_family(stack) -> str:
    identifier = str(32000 + uuid.uuid4().int % 1000)
    engine = create_engine(stack.database_urls["family"])
    with Session(engine) as session, session.begin():
        add_demo_family(session, identifier)
    engine.dispose()
    return identifier


def register_and_log_in(page, stack) -> None:
    from .test_accounts import log_in, new_account, register

    email, password = new_account()
    register(page, stack, email, password)
    log_in(page, email, password)


def test_un_parent_active_son_espace_famille_sur_un_telephone(new_page, stack, axe_violations):
    family_id = store_family(stack)
    page = new_page(**PHONE)
    register_and_log_in(page, stack)
    page.get_by_role("link", name="Espace famille").click()
    expect(page.get_by_role("heading", name="Mon compte famille")).to_be_visible()
    expect(page.locator("mark.family-identifier")).to_have_text("4217")
    expect(page.get_by_role("complementary")).to_contain_text("04 78 98 88 00")
    assert axe_violations(page) == []

    page.get_by_role("textbox", name="Mon numéro identifiant famille").fill(family_id)
    page.get_by_role("textbox", name="Nom de famille").fill("MULLER")
    page.get_by_label("Prénom d'un responsable de la famille").fill("jean pierre")
    page.get_by_role("button", name="Activer mon espace famille").click()
    expect(page.get_by_role("heading", name="Famille Müller")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Votre espace famille est activé")
    expect(page.locator("main")).to_contain_text("Arachide")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
