"""A parent on a phone: activate the family space, enrol a child in the canteen with a typical
week, cancel a day before its deadline, and see the days in the planning; axe-core finds no
serious or critical violation on the activities and planning pages.

The days are those of the real calendar from today: the test needs two canteen days still
open within four weeks (any date in a school term of the known school years).
"""

from __future__ import annotations

from playwright.sync_api import expect

from contracts.dates_fr import french_date

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
