"""The agents' back office: agent accounts only, the session's roles given to services."""

from __future__ import annotations

import pytest

from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid

from .conftest import (
    CITIZEN_TOKEN,
    agent_identity,
    caller_of,
    citizen_identity,
    page_of,
    session_cookie,
)

AGENT_CALLER = caller_of(agent_identity("agent_espace_public"))
AGENT_PAGES = [
    ("get", "/agents/signalements"),
    ("get", "/agents/signalements/123"),
    ("get", "/agents/signalements/123/photo"),
    ("post", "/agents/signalements/123/statut"),
]
CREDENTIALS = {"email": "agent@ville-caluire.fr", "password": "Tilleul-Platane-Saône-2026"}


def agent_opened(*roles: str) -> dict:
    return {"session_token": "jeton-agent", "identity": agent_identity(*roles)}


@pytest.mark.parametrize(("method", "path"), AGENT_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, rpc, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/agents/connexion")
    assert rpc.calls == []


@pytest.mark.parametrize(("method", "path"), AGENT_PAGES)
def test_citizens_are_refused_the_agent_pages(citizen_client, rpc, method, path):
    response = getattr(citizen_client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/agents/connexion")
    assert rpc.methods() == ["resolve_session"]


def test_agent_login_goes_through_the_accounts_service(client, rpc):
    rpc.answer("login", agent_opened("agent_espace_public"))
    response = client.post("/agents/connexion", data=CREDENTIALS)
    assert response.status_code == 303
    assert response.headers["Location"] == "/agents/signalements"
    call = rpc.last("login")
    assert call["service"] == "accounts"
    assert call["args"][1] == {**CREDENTIALS, "client_ip": "127.0.0.1"}
    assert "portail_session=jeton-agent" in session_cookie(response)


def test_citizen_credentials_get_the_generic_refusal_and_no_session(client, rpc):
    rpc.answer("login", example("session_opened"))
    response = client.post("/agents/connexion", data=CREDENTIALS)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert 'value="agent@ville-caluire.fr"' in html and "Tilleul" not in html
    assert session_cookie(response) is None
    logout = rpc.last("logout")
    assert logout["args"][1] == example("session_opened")["session_token"]


def test_refused_login_shows_the_service_message(client, rpc):
    rpc.answer("login", Forbidden("Adresse e-mail ou mot de passe incorrect."))
    response = client.post("/agents/connexion", data=CREDENTIALS)
    assert response.status_code == 403
    assert 'role="alert"' in response.get_data(as_text=True)
    assert client.get("/agents/signalements").status_code == 302


def test_login_goes_back_to_the_requested_agent_page(client, rpc):
    rpc.answer("login", agent_opened())
    response = client.post(
        "/agents/connexion?suite=/agents/signalements?statut%3Dnouveau", data=CREDENTIALS
    )
    assert response.headers["Location"] == "/agents/signalements?statut=nouveau"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("agent_simplicite", "/agents/familles"),
        ("agent_regie", "/agents/regie"),
        ("agent_etat_civil", "/agents/demarches/acte_etat_civil"),
    ],
)
def test_each_agent_lands_on_a_page_of_their_role(client, rpc, role, home):
    """The footer's "Espace agents" asks for the reports list: an agent who does not process
    reports goes to their own first page instead of a refusal."""
    rpc.answer("login", agent_opened(role))
    plain = client.post("/agents/connexion", data=CREDENTIALS)
    assert plain.headers["Location"] == home
    rpc.answer("login", agent_opened(role))
    footer = client.post("/agents/connexion?suite=/agents/signalements", data=CREDENTIALS)
    assert footer.headers["Location"] == home


def test_agent_menu_only_links_pages_of_the_agent_roles(client, rpc):
    rpc.answer("login", agent_opened("agent_simplicite"))
    client.post("/agents/connexion", data=CREDENTIALS)
    rpc.answer("resolve_session", agent_identity("agent_simplicite"))
    rpc.answer("search_families", {"items": [], "total": 0, "page": 1, "pages": 1})
    html = client.get("/agents/familles").get_data(as_text=True)
    menu = html.split('aria-label="Espace agents"', 1)[1].split("</nav>", 1)[0]
    assert ">Familles<" in menu
    assert ">Signalements<" not in menu and ">Régie<" not in menu


def test_login_never_redirects_off_site(client, rpc):
    rpc.answer("login", agent_opened())
    response = client.post("/agents/connexion?suite=//ailleurs.example.com/", data=CREDENTIALS)
    assert response.headers["Location"] == "/agents/signalements"


def test_list_shows_reports_asked_with_the_agent_role(agent_client, rpc):
    response = agent_client.get("/agents/signalements?statut=en_cours")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, "en_cours", None)
    assert "ESP-2026-000123" in html and "Éclairage public" in html
    assert "26 novembre 2026 à 9 h 15" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_status_filter_lists_everything(agent_client, rpc):
    agent_client.get("/agents/signalements?statut=inconnu")
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, None, None)


def test_detail_shows_the_author_email_and_photo(agent_client, rpc):
    html = agent_client.get("/agents/signalements/123").get_data(as_text=True)
    assert rpc.last("get_report")["args"] == (AGENT_CALLER, 123)
    assert "camille.martin@example.org" in html
    assert 'src="/agents/signalements/123/photo"' in html
    photo = agent_client.get("/agents/signalements/123/photo")
    assert photo.mimetype == "image/jpeg"
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, 123, 1)


def test_detail_of_a_closed_account_report_says_the_author_is_anonymized(agent_client, rpc):
    rpc.answer("get_report", {**example("agent_report"), "email": ""})
    html = agent_client.get("/agents/signalements/123").get_data(as_text=True)
    assert "Auteur anonymisé" in html
    assert "mailto:" not in html


def test_status_change_goes_to_the_service_then_back_with_a_message(agent_client, rpc):
    response = agent_client.post(
        "/agents/signalements/123/statut",
        data={"status": "resolu", "comment": "L'ampoule a été remplacée."},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/agents/signalements/123"
    call = rpc.calls[-1]
    assert call["method"] == "change_report_status"
    assert call["args"] == (
        AGENT_CALLER,
        123,
        {"status": "resolu", "comment": "L'ampoule a été remplacée."},
    )
    assert "Statut mis à jour." in agent_client.get("/agents/signalements/123").get_data(
        as_text=True
    )


def test_refused_status_change_is_shown_on_the_detail_page(agent_client, rpc):
    rpc.answer("change_report_status", Invalid("Erreurs", {"status": ["Choix inconnu."]}))
    response = agent_client.post("/agents/signalements/123/statut", data={"status": "perdu"})
    assert response.status_code == 422
    assert "Nouveau statut : Choix inconnu." in response.get_data(as_text=True)


def test_keeping_the_current_status_comes_back_to_the_report_with_a_field_message(
    agent_client, rpc
):
    rpc.answer("change_report_status", Conflict("Le signalement est déjà au statut « En cours »."))
    response = agent_client.post(
        "/agents/signalements/123/statut",
        data={"status": "en_cours", "comment": "Équipe prévenue."},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nouveau statut : Choisissez un statut différent du statut actuel." in page
    assert 'id="field-status-error"' in page
    assert "Équipe prévenue.</textarea>" in page
    assert "Enregistrer le statut" in page


def test_a_status_changed_meanwhile_comes_back_to_the_report_with_the_service_message(
    agent_client, rpc
):
    refusal = "Un signalement « Résolu » ne peut pas passer à « En cours »."
    rpc.answer("change_report_status", Conflict(refusal))
    rpc.answer("get_report", {**example("agent_report"), "status": "resolu"})
    response = agent_client.post(
        "/agents/signalements/123/statut", data={"status": "en_cours", "comment": "Vu."}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nouveau statut : Un signalement « Résolu » ne peut pas passer" in page
    assert "Vu.</textarea>" in page
    assert "Retour à la liste" in page


def test_forbidden_by_the_service_is_a_french_403(agent_client, rpc):
    rpc.answer("get_report", Forbidden())
    response = agent_client.get("/agents/signalements/123")
    assert response.status_code == 403
    assert "Vous n&#39;avez pas accès à cette page." in response.get_data(as_text=True)


def test_logout_ends_the_agent_session(agent_client, rpc):
    response = agent_client.post("/agents/deconnexion")
    assert response.status_code == 303
    assert rpc.last("logout")["args"] == (AGENT_CALLER, CITIZEN_TOKEN)
    assert "portail_session=;" in session_cookie(response)


def test_each_agent_page_passes_the_session_roles(client, rpc):
    from .conftest import log_in

    log_in(client, rpc, agent_identity("agent_etat_civil", "agent_espace_public"))
    client.get("/agents/signalements")
    assert rpc.last("list_reports")["args"][0] == {
        "account_id": agent_identity()["account_id"],
        "roles": ["agent_etat_civil", "agent_espace_public"],
        "family_id": None,
    }


def test_citizen_identity_is_not_an_agent(citizen_client):
    assert citizen_identity()["kind"] == "citizen"
    assert citizen_client.get("/agents/connexion").status_code == 200


def test_list_pages_link_to_previous_and_next_keeping_the_filter(agent_client, rpc):
    rpc.answer("list_reports", page_of([example("agent_report")], page=2, pages=3))
    html = agent_client.get("/agents/signalements?statut=nouveau&page=2").get_data(as_text=True)
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, "nouveau", "2")
    assert '<nav class="pagination" aria-label="Pagination">' in html
    assert "Page 2 sur 3" in html
    assert 'href="/agents/signalements?page=1&amp;statut=nouveau" rel="prev"' in html
    assert 'href="/agents/signalements?page=3&amp;statut=nouveau" rel="next"' in html


def test_list_on_one_page_shows_no_navigation(agent_client):
    html = agent_client.get("/agents/signalements").get_data(as_text=True)
    assert "Pagination" not in html and "1 signalement" in html


def test_list_with_a_wrong_page_number_says_so_in_french(agent_client, rpc):
    rpc.answer(
        "list_reports",
        Invalid("La page demandée est invalide.", {"page": ["Numéro de page attendu."]}),
    )
    response = agent_client.get("/agents/signalements?page=abc")
    assert response.status_code == 422
    assert "La page demandée est invalide." in response.get_data(as_text=True)


POINT = {
    "id": 123,
    "tracking_number": "ESP-2026-000123",
    "category": "eclairage_public",
    "category_label": "Éclairage public",
    "status": "en_cours",
    "status_label": "En cours",
    "address": "12 avenue <Général> de Gaulle",
    "latitude": 45.7953,
    "longitude": 4.8467,
    "submitted_at": "2026-11-25T08:30:00+00:00",
}


def test_map_of_open_reports_keeps_a_usable_list(agent_client, rpc):
    rpc.answer("list_open_report_points", [POINT])
    response = agent_client.get("/agents/signalements/carte")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rpc.last("list_open_report_points")["args"] == (AGENT_CALLER,)
    assert 'data-lat="45.7953" data-lon="4.8467"' in html
    assert 'href="/agents/signalements/123"' in html
    assert "12 avenue &lt;Général&gt; de Gaulle" in html
    assert 'id="agent-map-block" hidden' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' https://data.geopf.fr" in policy
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy


def test_map_is_for_agents_only(client, rpc):
    response = client.get("/agents/signalements/carte")
    assert response.status_code == 302
    assert "list_open_report_points" not in rpc.methods()
