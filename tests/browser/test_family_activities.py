"""A parent on a phone: activate the family space, enrol a child in the canteen with a typical
week, cancel a day before its deadline, and see the days in the planning; axe-core finds no
serious or critical violation on the activities and planning pages. A SimpliCité agent reads
the day's attendance list, adds places, downloads the list as CSV, justifies an absence and
opens the school calendar.

The days are those of the real calendar from today: the test needs two canteen days still
open within four weeks (any date in a school term of the known school years).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chassis.types import utcnow
from contracts.dates_fr import french_date, paris_today
from family import enrolment
from family.activities import ACTIVITIES
from family.demo import add_demo_family
from family.enrolment_repository import Enrolments

from .test_family_space import PHONE, register_and_log_in, store_family


def test_un_parent_inscrit_a_la_cantine_change_un_jour_et_le_voit_au_planning(
    new_page, stack, axe_violations
):
    family_id = store_family(stack)
    page = new_page(**PHONE)
    register_and_log_in(page, stack)
    page.goto("/famille/activation")
    page.get_by_role("textbox", name="Mon numéro identifiant famille").fill(family_id)
    page.get_by_role("textbox", name="Nom de famille").fill("Müller")
    page.get_by_label("Prénom d'un responsable de la famille").fill("Hélène")
    page.get_by_role("button", name="Activer mon espace famille").click()

    page.get_by_role("link", name="Activités et planning des enfants").click()
    page.get_by_role("link", name="Inscriptions et jours de Léa").click()
    canteen = page.get_by_role("region", name="Restauration scolaire")
    expect(canteen).to_contain_text("J-2 à 23:59, week-ends et jours fériés non comptés")
    expect(canteen).to_contain_text("le repas réservé reste facturé")
    assert axe_violations(page) == []

    canteen.get_by_text("Inscrire Léa avec une semaine type").click()
    for weekday in ("Lundi", "Mardi", "Jeudi", "Vendredi"):
        canteen.get_by_role("checkbox", name=weekday, exact=True).check()
    canteen.get_by_role("button", name="Inscrire à restauration scolaire").click()
    expect(page.locator("main")).to_contain_text("jour(s) réservé(s)")

    canteen = page.get_by_role("region", name="Restauration scolaire")
    booked = canteen.locator("input[name=days]:checked")
    assert booked.count() >= 2, "two canteen days still open in the coming four weeks"
    cancelled, kept = booked.nth(0).get_attribute("value"), booked.nth(1).get_attribute("value")
    expect(canteen.locator(f"#restauration_scolaire-{cancelled}-limit")).to_contain_text(
        "Modifiable jusqu'au"
    )
    canteen.get_by_role("checkbox", name=french_date(cancelled), exact=True).uncheck()
    canteen.get_by_role("button", name="Enregistrer les jours de restauration scolaire").click()
    expect(page.locator("main")).to_contain_text("1 jour(s) annulé(s)")

    page.get_by_role("link", name="Voir le planning de Léa").click()
    page.goto(page.url.split("?")[0] + f"?semaine={kept}")
    expect(page.get_by_role("heading", name=french_date(kept))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Restauration scolaire, 11:30 – 13:20 : réservé")
    page.goto(page.url.split("?")[0] + f"?semaine={cancelled}")
    expect(page.get_by_role("heading", name=french_date(cancelled))).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []


def create_simplicite_agent(stack) -> tuple[str, str]:
    """A SimpliCité agent, made with the accounts CLI as the local run makes its agents."""
    email, password = f"simplicite-{uuid.uuid4().hex[:8]}@exemple.fr", "Mot-de-passe-SimpliCite-1"
    command = [sys.executable, "-P", "-m", "accounts.cli", "create-agent", "--email", email]
    command += ["--given-name", "Sacha", "--family-name", "Agent", "--role", "agent_simplicite"]
    command += ["--password", password]
    env = {**os.environ, "ACCOUNTS_DATABASE_URL": stack.database_urls["accounts"]}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
    return email, password


def book_lea(stack, identifier: str) -> str:
    """Léa of a new demo family, booked at the canteen on the next day still open."""
    engine = create_engine(stack.database_urls["family"])
    with Session(engine) as session, session.begin():
        family = add_demo_family(session, identifier)
        now, canteen = utcnow(), ACTIVITIES["restauration_scolaire"]
        day = next(
            paris_today() + timedelta(days=n)
            for n in range(1, 120)
            if canteen.runs_on(paris_today() + timedelta(days=n))
            and canteen.deadline.is_open(paris_today() + timedelta(days=n), now)
        )
        enrolment.enrol(Enrolments(session), family.children[0], canteen, [[day]], now)
    engine.dispose()
    return day.isoformat()


def test_l_agent_imprime_la_liste_des_presences_et_ajoute_des_places(
    new_page, stack, axe_violations
):
    day = book_lea(stack, str(33000 + uuid.uuid4().int % 1000))
    email, password = create_simplicite_agent(stack)
    page = new_page()
    page.goto("/agents/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"/agents/famille/presences?activite=restauration_scolaire&jour={day}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Présences : Restauration scolaire"
    )
    row = page.get_by_role("row").filter(has_text="Léa")
    expect(row.first).to_contain_text("Müller")
    assert axe_violations(page) == []

    field = page.get_by_label("Nombre de places ce jour, École élémentaire Jean Moulin")
    field.fill("151")
    page.get_by_role("button", name="Modifier la capacité").click()
    expect(page.locator("main")).to_contain_text("Capacité enregistrée : 151 places")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("sur 151 places")
    page.get_by_label("N° famille").fill("4217")
    page.get_by_label("Prénom de l'enfant").fill("Zoé")
    page.get_by_role("button", name="Noter la présence").click()
    expect(page.get_by_role("alert")).to_contain_text("Enfant introuvable.")
    assert axe_violations(page) == []
    csv_link = page.get_by_role("link", name="Télécharger la liste (CSV)")
    answer = page.request.get(csv_link.get_attribute("href"))
    assert answer.ok and "Müller;Léa" in answer.text()

    page.get_by_label("Motif").fill("Varicelle")
    page.get_by_role("button", name="Justifier l'absence").click()
    expect(page.locator("main")).to_contain_text("Absence justifiée : le jour ne sera pas facturé.")
    expect(page.get_by_role("row").filter(has_text="Léa").first).to_contain_text("justifiée")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Calendrier scolaire et fermetures").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendrier scolaire")
    expect(page.get_by_role("button", name="Fermer ce jour")).to_be_visible()
    assert axe_violations(page) == []
