"""The report form's map on a phone, with the devstack tile server and BAN geocoder: a
citizen places the problem on the map or picks a suggested address, and sends the report;
without JavaScript the same form works with a typed address."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Page, expect

from .test_report_form import log_in_as_agent

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TRACKING = re.compile(r"/suivi/ESP-\d{4}-\d{6}\?cle=.+&nouveau=1")


def tiles_loaded(page: Page) -> None:
    tiles = page.locator("#report-map img.leaflet-tile-loaded")
    expect(tiles.first).to_be_visible()
    assert tiles.first.evaluate("img => img.naturalWidth") == 256


def test_le_citoyen_place_le_probleme_sur_la_carte(new_page, stack, axe_violations):
    page = new_page(**PHONE)
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failures.append(response.url))
    page.goto("/signalements/nouveau")
    page.get_by_label("Voirie").check()
    map_region = page.get_by_role("region", name="Carte pour placer le problème")
    expect(map_region).to_be_visible()
    tiles_loaded(page)

    # Away from the centre, where earlier tests of the shared portal left Voirie reports (a
    # similar report would rightly be suggested instead of the tracking page), and away from
    # the zoom buttons (top left) and the attribution (bottom right).
    box = map_region.bounding_box()
    map_region.tap(position={"x": box["width"] * 0.7, "y": box["height"] * 0.3})

    expect(page.locator("#report-map .leaflet-marker-icon")).to_be_visible()
    expect(page.locator("#report-map-status")).to_contain_text("Adresse la plus proche")
    address = page.get_by_label("Adresse ou lieu précis").input_value()
    assert address.endswith("69300 Caluire-et-Cuire"), address
    assert re.fullmatch(r"45,\d{6}", page.get_by_label("Latitude").input_value())
    assert re.fullmatch(r"4,\d{6}", page.get_by_label("Longitude").input_value())
    assert axe_violations(page) == []

    page.get_by_label("Description du problème").fill("Un nid-de-poule profond sur la chaussée.")
    page.get_by_label("Adresse e-mail").fill("carte-navigateur@exemple.fr")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page).to_have_url(TRACKING)
    assert failures == []


def test_une_adresse_proposee_place_le_repere(new_page, stack):
    page = new_page(**PHONE)
    page.goto("/signalements/nouveau")
    field = page.get_by_label("Adresse ou lieu précis")
    field.fill("3 montée des")
    expect(page.locator("#address-suggestions option").first).to_have_attribute(
        "value", re.compile("Montée des Forts")
    )

    field.fill("3 Montée des Forts 69300 Caluire-et-Cuire")

    expect(page.locator("#report-map-status")).to_contain_text("Repère placé sur : 3 Montée")
    expect(page.locator("#report-map .leaflet-marker-icon")).to_be_visible()
    assert page.get_by_label("Latitude").input_value().startswith("45,7")


def test_sans_javascript_le_formulaire_marche_avec_l_adresse_saisie(new_page, stack):
    page = new_page(java_script_enabled=False, **PHONE)
    page.goto("/signalements/nouveau")
    expect(page.locator("#report-map-block")).to_be_hidden()
    page.get_by_label("Propreté").check()
    page.get_by_label("Adresse ou lieu précis").fill("Place Jules Ferry, Caluire-et-Cuire")
    page.get_by_label("Description du problème").fill("Des sacs d'ordures abandonnés.")
    page.get_by_label("Adresse e-mail").fill("sans-js@exemple.fr")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page).to_have_url(TRACKING)


COSTE_12 = "12 Rue Coste 69300 Caluire-et-Cuire"
COSTE_5 = "5 Rue Coste 69300 Caluire-et-Cuire"


def place_by_address(page: Page, address: str) -> None:
    page.get_by_label("Adresse ou lieu précis").fill(address)
    expect(page.locator("#report-map-status")).to_contain_text("Repère placé sur")


def fill_tags_report(page: Page, email: str, address: str) -> None:
    page.goto("/signalements/nouveau")
    page.get_by_label("Tags et graffitis").check()
    place_by_address(page, address)
    page.get_by_label("Description du problème").fill("Un grand tag sur le mur de l'école.")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_role("button", name="Envoyer le signalement").click()


def test_un_signalement_semblable_est_propose_et_suivi(new_page, stack, axe_violations):
    author = new_page(**PHONE)
    fill_tags_report(author, "auteur-tag@exemple.fr", COSTE_12)
    expect(author).to_have_url(TRACKING)
    number = author.locator(".notice .tracking-number").inner_text()

    neighbour = new_page(**PHONE)
    fill_tags_report(neighbour, "voisin-tag@exemple.fr", COSTE_12)

    expect(
        neighbour.get_by_role("heading", name="Un signalement semblable est déjà en cours")
    ).to_be_visible()
    expect(neighbour.get_by_role("heading", name=f"{number} – Tags et graffitis")).to_be_visible()
    expect(neighbour.get_by_label("Votre adresse e-mail pour suivre ce signalement")).to_have_value(
        "voisin-tag@exemple.fr"
    )
    width = neighbour.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 and axe_violations(neighbour) == []
    neighbour.get_by_role("button", name="Suivre ce signalement").click()
    expect(
        neighbour.get_by_role("heading", name=f"Vous suivez le signalement {number}")
    ).to_be_visible()
    expect(neighbour.get_by_text("voisin-tag@exemple.fr")).to_be_visible()
    assert axe_violations(neighbour) == []

    agent = new_page()
    log_in_as_agent(agent, stack.agent_login)
    agent.get_by_role("link", name=number).click()
    agent.get_by_label("Nouveau statut").select_option("en_cours")
    agent.get_by_role("button", name="Enregistrer le statut").click()
    expect(agent.get_by_text("Statut mis à jour.")).to_be_visible()
    stack.wait_for_message("voisin-tag@exemple.fr", f"Signalement suivi {number} : En cours")
    stack.wait_for_message("auteur-tag@exemple.fr", f"Votre signalement {number} : En cours")


def test_le_citoyen_cree_quand_meme_son_signalement(new_page, stack):
    page = new_page(**PHONE)
    fill_tags_report(page, "premier-tag@exemple.fr", COSTE_5)
    expect(page).to_have_url(TRACKING)
    fill_tags_report(page, "second-tag@exemple.fr", COSTE_5)
    expect(
        page.get_by_role("heading", name="Un signalement semblable est déjà en cours")
    ).to_be_visible()
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page).to_have_url(TRACKING)


def placed_report(stack, latitude: float, longitude: float) -> str:
    """An open report placed at a point, sent through the JSON API; its tracking number."""
    body = {
        "category": "tags",
        "address": "Carte des agents, Caluire-et-Cuire",
        "latitude": latitude,
        "longitude": longitude,
        "description": "Un tag sur le mur du parc.",
        "email": "carte-agents@exemple.fr",
    }
    sent = requests.post(f"{stack.gateway_url}/api/v1/reports", json=body, timeout=30)
    assert sent.status_code == 201, sent.text[:2000]
    return sent.json()["tracking_number"]


def test_l_agent_voit_les_signalements_ouverts_sur_la_carte(new_page, stack, axe_violations):
    number = placed_report(stack, 45.7991, 4.8512)
    page = new_page(**PHONE)
    failures: list[str] = []
    # A tile Leaflet no longer needs (the popup pans the map) is cancelled: not a failure.
    page.on(
        "requestfailed",
        lambda request: request.failure != "net::ERR_ABORTED" and failures.append(request.url),
    )
    page.on("response", lambda response: response.status >= 400 and failures.append(response.url))
    log_in_as_agent(page, stack.agent_login)
    page.get_by_role("link", name="Carte des signalements ouverts").click()
    expect(page.get_by_role("region", name="Carte des signalements ouverts")).to_be_visible()
    tiles = page.locator("#agent-map img.leaflet-tile-loaded")
    expect(tiles.first).to_be_visible()
    marker = page.locator(f'#agent-map .leaflet-marker-icon[title^="{number},"]')
    expect(marker).to_have_attribute("title", f"{number}, Tags et graffitis, Nouveau")
    expect(page.locator("#agent-map-status")).to_contain_text("sur la carte")
    assert axe_violations(page) == []

    marker.click()
    popup_link = page.locator(".leaflet-popup-content a", has_text=number)
    expect(popup_link).to_be_visible()
    assert failures == []  # leaving the page below cancels the tiles still on their way
    popup_link.click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()


def test_sans_fond_de_carte_la_liste_des_signalements_reste(new_page, stack):
    number = placed_report(stack, 45.7985, 4.8430)
    page = new_page(**PHONE)
    page.route(re.compile(r".*/\d+/\d+/\d+\.png$"), lambda route: route.abort())
    log_in_as_agent(page, stack.agent_login)
    page.goto("/agents/signalements/carte")
    expect(page.locator("#agent-map-status")).to_contain_text("la liste ci-dessous reste complète")
    item = page.locator("#agent-map-points li", has_text=number)
    expect(item).to_contain_text("Tags et graffitis")
    item.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
