"""Server-side sessions: the login cookie, its flags, logout, revoked sessions, the RPC caller."""

from __future__ import annotations

from contracts.base import example
from contracts.errors import Forbidden, Invalid, NotFound
from contracts.identity import ANONYMOUS

from .conftest import CITIZEN_TOKEN, caller_of, citizen_identity, session_cookie

CREDENTIALS = {"email": "camille.martin@example.org", "password": "Tilleul-Platane-Saône-2026"}
TOKEN = example("session_opened")["session_token"]


def test_login_sets_an_httponly_lax_secure_session_cookie(client, rpc):
    response = client.post("/connexion", data=CREDENTIALS)
    assert response.status_code == 303
    assert response.headers["Location"] == "/mon-espace"
    cookie = session_cookie(response)
    assert cookie.startswith(f"portail_session={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Path=/" in cookie and "Expires" not in cookie and "Max-Age" not in cookie
    assert rpc.last("login")["args"] == (ANONYMOUS, {**CREDENTIALS, "client_ip": "127.0.0.1"})


def test_session_cookie_is_not_secure_on_a_plain_http_portal(make_app):
    client = make_app(PUBLIC_URL="http://localhost:8000").test_client()
    cookie = session_cookie(client.post("/connexion", data=CREDENTIALS))
    assert "HttpOnly" in cookie and "Secure" not in cookie


def test_login_clears_what_the_flask_session_held_before(client):
    with client.session_transaction() as before:
        before["planted"] = "par un attaquant"
        before["csrf_token"] = "ancien"
    client.post("/connexion", data=CREDENTIALS)
    with client.session_transaction() as after:
        assert "planted" not in after and "csrf_token" not in after


def test_login_goes_back_to_a_local_page_only(client):
    response = client.post("/connexion?suite=/compte/preferences", data=CREDENTIALS)
    assert response.headers["Location"] == "/compte/preferences"
    response = client.post("/connexion?suite=https://ailleurs.example.com/", data=CREDENTIALS)
    assert response.headers["Location"] == "/mon-espace"


def test_refused_login_keeps_the_email_never_the_password(client, rpc):
    rpc.answer("login", Forbidden("Trop de tentatives : réessayez dans 15 minutes."))
    response = client.post("/connexion", data=CREDENTIALS)
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Trop de tentatives : réessayez dans 15 minutes." in html
    assert 'value="camille.martin@example.org"' in html
    assert "Tilleul" not in html
    assert session_cookie(response) is None


def test_invalid_login_shows_the_messages_next_to_the_fields(client, rpc):
    rpc.answer("login", Invalid("Erreurs", {"email": ["Adresse e-mail invalide."]}))
    html = client.post("/connexion", data={"email": "x", "password": ""}).get_data(as_text=True)
    assert 'id="field-email-error"' in html and "Adresse e-mail invalide." in html
    assert 'aria-describedby="field-email-error"' in html
    assert "Adresse e-mail : Adresse e-mail invalide." in html


def test_each_request_resolves_the_session_once_and_uses_its_caller(citizen_client, rpc):
    citizen_client.get("/mon-espace")
    assert rpc.methods() == ["resolve_session", "list_account_requests"]
    assert rpc.calls[0]["args"] == (ANONYMOUS, CITIZEN_TOKEN)
    assert rpc.last("list_account_requests")["args"] == (caller_of(citizen_identity()),)
    assert caller_of(citizen_identity())["account_id"] == citizen_identity()["account_id"]


def test_a_revoked_session_clears_the_cookie(client, rpc):
    client.set_cookie("portail_session", "jeton-révoqué")
    rpc.answer("resolve_session", NotFound("Session inconnue."))
    response = client.get("/")
    assert "portail_session=;" in session_cookie(response)
    assert "Se connecter" in response.get_data(as_text=True)
    assert client.get_cookie("portail_session") is None


def test_logout_revokes_the_session_and_clears_the_cookie(citizen_client, rpc):
    response = citizen_client.post("/deconnexion")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert rpc.last("logout")["args"] == (caller_of(citizen_identity()), CITIZEN_TOKEN)
    assert "portail_session=;" in session_cookie(response)
    assert citizen_client.get_cookie("portail_session") is None
    assert "Vous êtes déconnecté." in citizen_client.get("/").get_data(as_text=True)


def test_header_offers_the_account_when_logged_in(citizen_client):
    html = citizen_client.get("/").get_data(as_text=True)
    assert 'href="/mon-espace"' in html and 'href="/compte"' in html
    assert 'action="/deconnexion"' in html and "Se déconnecter" in html
    assert 'href="/connexion"' not in html


def test_header_offers_login_and_registration_otherwise(client, rpc):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/connexion"' in html and 'href="/compte/creer"' in html
    assert rpc.calls == []


def test_client_ip_comes_through_the_trusted_proxy(make_app, rpc):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    client.post("/connexion", data=CREDENTIALS, headers={"X-Forwarded-For": "203.0.113.7"})
    assert rpc.last("login")["args"][1]["client_ip"] == "203.0.113.7"


def test_account_pages_are_not_cached(citizen_client):
    for path in ("/compte", "/connexion", "/mon-espace", "/compte/informations"):
        assert citizen_client.get(path).headers["Cache-Control"] == "no-store"
