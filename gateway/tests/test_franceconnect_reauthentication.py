"""Re-authentication with FranceConnect (``prompt=login``) before a sensitive change of an
account that has no password; the OpenID Connect client is the fake of conftest."""

from __future__ import annotations

from contracts.base import example
from contracts.errors import Forbidden

from .conftest import CITIZEN_TOKEN, caller_of, citizen_identity

FC_IDENTITY = example("franceconnect_login")["identity"]
CALLER = caller_of(citizen_identity())


def test_an_account_without_password_is_offered_a_franceconnect_reauthentication(
    citizen_client, rpc
):
    rpc.answer("get_account", {**example("account"), "has_password": False})
    for path in ("/compte/email", "/compte/cloturer"):
        html = citizen_client.get(path).get_data(as_text=True)
        assert f'action="/compte/franceconnect/reidentifier?suite={path}"' in html
        assert "Mot de passe actuel" not in html


def test_reauthentication_asks_franceconnect_for_a_new_login_then_records_it(
    citizen_client, rpc, franceconnect
):
    page = citizen_client.post("/compte/franceconnect/reidentifier?suite=/compte/email")
    assert 'content="0; url=/auth/franceconnect/login"' in page.get_data(as_text=True)
    going = citizen_client.get("/auth/franceconnect/login")
    assert going.headers["Location"].endswith("&prompt=login") and franceconnect.reauthenticate
    back = citizen_client.get("/auth/franceconnect/callback?code=c&state=etat-de-connexion")
    assert back.status_code == 303 and back.headers["Location"] == "/compte/email"
    assert rpc.last("confirm_reauthentication")["args"] == (
        CALLER,
        {"session_token": CITIZEN_TOKEN, "identity": FC_IDENTITY, "auth_time": 1_795_680_000},
    )
    assert "franceconnect_login" not in rpc.methods()
    assert "vous avez 5 minutes" in citizen_client.get("/compte").get_data(as_text=True)
    citizen_client.get("/auth/franceconnect/login")
    assert not franceconnect.reauthenticate  # the next trip is a plain login again


def test_reauthentication_never_comes_back_off_site(citizen_client, rpc):
    citizen_client.post("/compte/franceconnect/reidentifier?suite=//evil.example/")
    citizen_client.get("/auth/franceconnect/login")
    back = citizen_client.get("/auth/franceconnect/callback?code=c&state=etat-de-connexion")
    assert back.headers["Location"] == "/compte"


def test_a_refused_reauthentication_is_a_french_error_page(citizen_client, rpc):
    rpc.answer("confirm_reauthentication", Forbidden("Cette identification ne confirme rien."))
    citizen_client.post("/compte/franceconnect/reidentifier?suite=/compte/email")
    citizen_client.get("/auth/franceconnect/login")
    back = citizen_client.get("/auth/franceconnect/callback?code=c&state=etat-de-connexion")
    assert back.status_code == 403
    assert "Cette identification ne confirme rien." in back.get_data(as_text=True)


def test_change_without_recent_reauthentication_shows_why(citizen_client, rpc):
    rpc.answer("get_account", {**example("account"), "has_password": False})
    rpc.answer("change_email", Forbidden("Confirmez d'abord votre identité avec FranceConnect."))
    response = citizen_client.post("/compte/email", data={"new_email": "autre@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Confirmez d&#39;abord votre identité avec FranceConnect." in html
    assert "/compte/franceconnect/reidentifier" in html
