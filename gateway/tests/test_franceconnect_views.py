"""FranceConnect pages: login, link, unlink, logout through FranceConnect, errors without login.

The OpenID Connect client is the fake of conftest; its own tests are in
``test_franceconnect_client.py``.
"""

from __future__ import annotations

import pytest

from contracts.base import example
from contracts.errors import Conflict
from contracts.identity import ANONYMOUS
from gateway.franceconnect import FranceConnectError

from .conftest import CITIZEN_TOKEN, FakeFranceConnect, caller_of, citizen_identity, session_cookie

FC_IDENTITY = example("franceconnect_login")["identity"]
CALLER = caller_of(citizen_identity())


def fc_login(client) -> None:
    """Go through FranceConnect as the fake answers it."""
    assert client.get("/auth/franceconnect/login").status_code == 302
    response = client.get("/auth/franceconnect/callback?code=c&state=etat-de-connexion")
    assert response.status_code == 303


def test_login_goes_to_franceconnect(client):
    response = client.get("/auth/franceconnect/login")
    assert response.status_code == 302
    assert response.headers["Location"] == FakeFranceConnect.AUTHORIZE
    assert response.headers["Cache-Control"] == "no-store"


def test_callback_opens_a_session_and_keeps_the_id_token(client, rpc):
    client.get("/auth/franceconnect/login")
    with client.session_transaction() as before:
        before["planted"] = "avant la connexion"
    response = client.get("/auth/franceconnect/callback?code=c&state=etat-de-connexion")
    assert response.status_code == 303 and response.headers["Location"] == "/mon-espace"
    assert rpc.last("franceconnect_login")["args"] == (
        ANONYMOUS,
        {"identity": FC_IDENTITY, "client_ip": "127.0.0.1"},
    )
    cookie = session_cookie(response)
    assert cookie.startswith("portail_session=") and "HttpOnly" in cookie
    with client.session_transaction() as after:
        assert after["franceconnect_id_token"] == "id-token-de-fc"
        assert "planted" not in after


@pytest.mark.parametrize(
    "error",
    [
        FranceConnectError("La connexion avec FranceConnect a échoué. Veuillez réessayer."),
        FranceConnectError("Connexion FranceConnect annulée."),
    ],
)
def test_franceconnect_errors_show_a_page_and_never_log_in(client, rpc, franceconnect, error):
    franceconnect.error = error
    client.get("/auth/franceconnect/login")
    response = client.get("/auth/franceconnect/callback?state=faux&code=rejoue")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error.message.replace("'", "&#39;") in html
    assert "Connexion avec FranceConnect impossible" in html
    assert session_cookie(response) is None
    assert "franceconnect_login" not in rpc.methods()
    with client.session_transaction() as after:
        assert "franceconnect_id_token" not in after


def test_a_conflict_from_the_accounts_service_is_a_409_page(client, rpc):
    rpc.answer("franceconnect_login", Conflict("Ce compte FranceConnect est déjà lié."))
    response = client.get("/auth/franceconnect/callback?code=c&state=s")
    assert response.status_code == 409
    assert "Ce compte FranceConnect est déjà lié." in response.get_data(as_text=True)
    assert session_cookie(response) is None


def test_link_from_the_account_page(citizen_client, rpc):
    page = citizen_client.post("/compte/franceconnect/lier")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/auth/franceconnect/login">' in html
    citizen_client.get("/auth/franceconnect/login")
    response = citizen_client.get("/auth/franceconnect/callback?code=c&state=s")
    assert response.status_code == 303 and response.headers["Location"] == "/compte"
    assert rpc.last("link_franceconnect")["args"] == (
        CALLER,
        {"identity": FC_IDENTITY, "client_ip": "127.0.0.1"},
    )
    assert "franceconnect_login" not in rpc.methods()


def test_link_needs_a_logged_in_account(client, rpc):
    assert client.post("/compte/franceconnect/lier").status_code == 302
    with client.session_transaction() as flask_session:
        flask_session["franceconnect_mode"] = "link"
    response = client.get("/auth/franceconnect/callback?code=c&state=s")
    assert response.status_code == 400
    assert "link_franceconnect" not in rpc.methods()


def test_unlink_shows_the_conflict_message(citizen_client, rpc):
    rpc.answer("unlink_franceconnect", Conflict("FranceConnect est votre seul moyen de connexion."))
    response = citizen_client.post("/compte/franceconnect/delier")
    assert response.status_code == 409
    assert "FranceConnect est votre seul moyen de connexion." in response.get_data(as_text=True)
    rpc.answer("unlink_franceconnect", example("account"))
    assert citizen_client.post("/compte/franceconnect/delier").status_code == 303
    assert rpc.last("unlink_franceconnect")["args"] == (CALLER,)


def test_logout_of_a_franceconnect_session_ends_it_on_the_post_then_goes_to_franceconnect(
    client, rpc
):
    fc_login(client)
    client.set_cookie("portail_session", CITIZEN_TOKEN)
    page = client.post("/deconnexion")
    assert rpc.last("logout")["args"][1] == CITIZEN_TOKEN
    assert "portail_session=;" in session_cookie(page)
    fc_logout = "https://fc.example.fr/api/v2/session/end?id_token_hint=id-token-de-fc"
    assert f'<meta http-equiv="refresh" content="0; url={fc_logout}">' in page.get_data(
        as_text=True
    )
    back = client.get("/auth/franceconnect/logout?state=etat-de-deconnexion")
    assert back.status_code == 200
    assert "Vous êtes déconnecté" in back.get_data(as_text=True)


def test_logout_of_a_franceconnect_session_ends_it_even_when_franceconnect_fails(
    client, rpc, franceconnect
):
    fc_login(client)
    client.set_cookie("portail_session", CITIZEN_TOKEN)

    def unavailable(id_token: str) -> str:
        raise FranceConnectError("FranceConnect est momentanément indisponible.")

    franceconnect.logout_url = unavailable
    response = client.post("/deconnexion")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert rpc.last("logout")["args"][1] == CITIZEN_TOKEN
    assert "portail_session=;" in session_cookie(response)


def test_a_get_on_the_logout_return_never_ends_a_session(citizen_client, rpc):
    response = citizen_client.get("/auth/franceconnect/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "logout" not in rpc.methods()
    assert citizen_client.get("/compte").status_code == 200


def test_logout_return_with_a_wrong_state_is_not_trusted(client, rpc):
    response = client.get("/auth/franceconnect/logout?state=inconnu")
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_franceconnect_addresses_are_404_when_it_is_not_configured(client, franceconnect):
    franceconnect.enabled = False
    for path in ("/auth/franceconnect/login", "/auth/franceconnect/callback"):
        assert client.get(path).status_code == 404
