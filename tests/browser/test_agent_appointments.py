"""The passport office's back office in a browser: a booking at the counter shows in the
day's list, marked absent the day itself; closing a day; the monthly figures. axe-core finds
no serious or critical violation on any of those pages."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_guichet_liste_du_jour_fermeture_et_statistiques(new_page, stack, axe_violations):
    page = new_page()
    page.goto("/agents/connexion")
    page.get_by_label("Adresse e-mail").fill(stack.admin_login[0])
    page.get_by_label("Mot de passe").fill(stack.admin_login[1])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Rendez-vous", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rendez-vous du")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Réserver au guichet").click()
    page.get_by_label("Type").select_option("retrait")
    next_days = page.get_by_label("Jour")
    for _ in range(10):  # the first day with a free time
        if page.locator("#field-creneau").count():
            break
        next_days.fill(
            page.evaluate("""() => {
            const d = new Date(document.querySelector('#field-jour').value);
            d.setDate(d.getDate() + 1); return d.toISOString().slice(0, 10); }""")
        )
        page.get_by_role("button", name="Voir les horaires").click()
    assert axe_violations(page) == []
    page.locator("#field-creneau").select_option(index=1)
    page.get_by_label("Nom", exact=True).fill("Guichet")
    page.get_by_label("Prénom").fill("Sam")
    page.get_by_label("Adresse e-mail").fill(f"guichet-{uuid.uuid4().hex[:8]}@exemple.fr")
    page.get_by_role("button", name="Réserver").click()
    expect(page.locator("main")).to_contain_text("réservé ; la confirmation part par e-mail")
    expect(page.locator("main")).to_contain_text("Guichet Sam")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Fermer un créneau ou la journée").click()
    assert axe_violations(page) == []
    page.get_by_label("Motif").fill("Formation des agents")
    page.get_by_role("button", name="Fermer").click()
    expect(page.locator("main")).to_contain_text("Fermeture enregistrée")

    page.get_by_role("link", name="Absences par mois").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("absences par mois")
    assert axe_violations(page) == []
