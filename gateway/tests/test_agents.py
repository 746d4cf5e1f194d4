"""The agents' back office: shared password, the role given to services, status changes."""

from __future__ import annotations

import pytest

from contracts.errors import Forbidden, Invalid

from .conftest import AGENT_PASSWORD

AGENT_CALLER = {"account_id": None, "roles": ["agent_espace_public"], "family_id": None}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/agents/signalements"),
        ("get", "/agents/signalements/123"),
        ("get", "/agents/signalements/123/photo"),
        ("post", "/agents/signalements/123/statut"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, rpc, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/agents/connexion")
    assert rpc.calls == []


def test_wrong_password_is_refused_in_french(client):
    response = client.post("/agents/connexion", data={"password": "devine"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Mot de passe incorrect." in html and 'role="alert"' in html
    assert client.get("/agents/signalements").status_code == 302


def test_login_is_disabled_without_a_configured_password(make_app):
    client = make_app(AGENT_PASSWORD="").test_client()
    response = client.post("/agents/connexion", data={"password": ""})
    assert "La connexion des agents n&#39;est pas configurée" in response.get_data(as_text=True)
    assert client.get("/agents/signalements").status_code == 302


def test_login_goes_back_to_the_requested_agent_page(client):
    response = client.post(
        "/agents/connexion?suite=/agents/signalements?statut%3Dnouveau",
        data={"password": AGENT_PASSWORD},
    )
    assert response.headers["Location"] == "/agents/signalements?statut=nouveau"


def test_login_never_redirects_off_site(client):
    response = client.post(
        "/agents/connexion?suite=//ailleurs.example.com/", data={"password": AGENT_PASSWORD}
    )
    assert response.headers["Location"] == "/agents/signalements"


def test_list_shows_reports_asked_with_the_agent_role(agent_client, rpc):
    response = agent_client.get("/agents/signalements?statut=en_cours")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, "en_cours")
    assert "ESP-2026-000123" in html and "Éclairage public" in html
    assert "26 novembre 2026 à 9 h 15" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_status_filter_lists_everything(agent_client, rpc):
    agent_client.get("/agents/signalements?statut=inconnu")
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, None)


def test_detail_shows_the_author_email_and_photo(agent_client, rpc):
    html = agent_client.get("/agents/signalements/123").get_data(as_text=True)
    assert rpc.calls[-1]["method"] == "get_report"
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, 123)
    assert "camille.martin@example.org" in html
    assert 'src="/agents/signalements/123/photo"' in html
    photo = agent_client.get("/agents/signalements/123/photo")
    assert photo.mimetype == "image/jpeg"
    assert rpc.calls[-1]["args"] == (AGENT_CALLER, 123)


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


def test_forbidden_by_the_service_is_a_french_403(agent_client, rpc):
    rpc.answer("get_report", Forbidden())
    response = agent_client.get("/agents/signalements/123")
    assert response.status_code == 403
    assert "Vous n&#39;avez pas accès à cette page." in response.get_data(as_text=True)


def test_logout_ends_the_agent_session(agent_client):
    response = agent_client.post("/agents/deconnexion")
    assert response.status_code == 303
    assert agent_client.get("/agents/signalements").status_code == 302
