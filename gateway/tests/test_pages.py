"""Citizen pages: they render in French, in the shared layout, and show what services return."""

from __future__ import annotations

import pytest

from contracts.errors import NotFound
from contracts.identity import ANONYMOUS
from gateway.errors import ServiceUnavailable

NUMBER = "ESP-2026-000123"
KEY = "q9Jw3nM2xZ7pK1vR5tY8uB4cD6eF0gHs"


@pytest.mark.parametrize(
    "path",
    ["/", "/signalements/nouveau", "/suivi", "/agents/connexion", f"/suivi/{NUMBER}?cle={KEY}"],
)
def test_each_page_renders_in_the_shared_accessible_layout(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and '<main id="contenu"' in html
    assert "Ville de Caluire-et-Cuire" in html
    assert "<footer" in html
    assert "style=" not in html and "<script>" not in html


def test_home_offers_the_report_and_its_tracking(client, rpc):
    html = client.get("/").get_data(as_text=True)
    assert "Signaler un problème sur l'espace public" in html
    assert 'href="/signalements/nouveau"' in html
    assert 'href="/suivi"' in html and "Suivre un signalement" in html
    assert rpc.calls == []


def test_report_form_has_every_contract_field(client):
    html = client.get("/signalements/nouveau").get_data(as_text=True)
    for name in ("category", "address", "latitude", "longitude", "description", "photo", "email"):
        assert f'name="{name}"' in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert 'value="eclairage_public"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "/static/js/position.js" in html


def test_town_name_and_colours_come_from_the_settings(make_app):
    client = make_app(
        TOWN_NAME="Ville-Test", TOWN_COLOR="#123456", TOWN_COLOR_DARK="#0a0b0c"
    ).test_client()
    assert "Ville de Ville-Test" in client.get("/").get_data(as_text=True)
    css = client.get("/theme.css")
    assert css.mimetype == "text/css"
    assert "--town-color: #123456;" in css.get_data(as_text=True)
    assert "--town-color-dark: #0a0b0c;" in css.get_data(as_text=True)


def test_tracking_page_shows_status_and_history_in_paris_time(client, rpc):
    html = client.get(f"/suivi/{NUMBER}?cle={KEY}").get_data(as_text=True)
    assert rpc.calls[0]["args"] == (ANONYMOUS, NUMBER, KEY)
    assert "En cours" in html
    assert "26 novembre 2026 à 9 h 15" in html
    assert "26 novembre 2026 à 10 h 02" in html
    assert "Une équipe passe demain matin." in html
    assert f'src="/suivi/{NUMBER}/photo?cle={KEY}"' in html
    assert "Votre signalement a bien été enregistré" not in html


def test_tracking_page_confirms_a_new_report_with_its_private_link(client):
    response = client.get(f"/suivi/{NUMBER}?cle={KEY}&nouveau=1")
    html = response.get_data(as_text=True)
    assert "Votre signalement a bien été enregistré" in html
    assert f'<strong class="tracking-number">{NUMBER}</strong>' in html
    assert f"https://portail.example.fr/suivi/{NUMBER}?cle={KEY}" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_tracking_without_key_asks_for_it(client):
    response = client.get(f"/suivi/{NUMBER}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/suivi?numero={NUMBER}"
    form = client.get(response.headers["Location"])
    assert form.status_code == 422
    assert "Clé de suivi : Ce champ est obligatoire." in form.get_data(as_text=True)


def test_tracking_form_leads_to_the_report(client):
    response = client.get(f"/suivi?numero= {NUMBER.lower()} &cle={KEY}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/suivi/{NUMBER}?cle={KEY}"


def test_unknown_report_is_a_french_404(client, rpc):
    rpc.answer("get_tracked_report", NotFound("Signalement introuvable."))
    response = client.get(f"/suivi/{NUMBER}?cle=mauvaise")
    assert response.status_code == 404
    assert "Signalement introuvable." in response.get_data(as_text=True)


def test_photo_is_served_as_jpeg_behind_the_key(client, rpc):
    response = client.get(f"/suivi/{NUMBER}/photo?cle={KEY}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data.startswith(b"\xff\xd8")
    assert rpc.calls[0]["method"] == "get_tracked_report_photo"
    assert rpc.calls[0]["args"] == (ANONYMOUS, NUMBER, KEY, 1)


def test_photo_without_key_is_refused_without_rpc(client, rpc):
    assert client.get(f"/suivi/{NUMBER}/photo").status_code == 422
    assert rpc.calls == []


def test_unavailable_service_is_a_french_503_page(client, rpc):
    rpc.answer("get_tracked_report", ServiceUnavailable("requests.get_tracked_report"))
    response = client.get(f"/suivi/{NUMBER}?cle={KEY}")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "Le service est momentanément indisponible, réessayez dans quelques minutes." in html
    assert '<html lang="fr">' in html


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_unfollow_link_asks_to_confirm_then_stops_the_emails(client, rpc):
    path = f"/signalements/ne-plus-suivre/{NUMBER}?cle=cle-du-suiveur"
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'name="cle" value="cle-du-suiveur"' in html and "unfollow_report" not in rpc.methods()
    left = {"tracking_number": NUMBER, "category_label": "Voirie", "address": "12 avenue",
            "status_label": "En cours"}  # fmt: skip
    rpc.answer("unfollow_report", left)
    done = client.post(f"/signalements/ne-plus-suivre/{NUMBER}", data={"cle": "cle-du-suiveur"})
    assert done.status_code == 200
    assert "Vous ne recevrez plus les e-mails de ce signalement" in done.get_data(as_text=True)
    sent = rpc.last("unfollow_report")["args"][1]
    assert sent == {"tracking_number": NUMBER, "key": "cle-du-suiveur"}
    rpc.answer("unfollow_report", NotFound("Ce lien ne correspond à aucun suivi."))
    refused = client.post(f"/signalements/ne-plus-suivre/{NUMBER}", data={"cle": "autre"})
    assert refused.status_code == 404
    assert "Ce lien ne correspond à aucun suivi." in refused.get_data(as_text=True)
