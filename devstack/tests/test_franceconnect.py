"""The FranceConnect test provider enforces what FranceConnect enforces, and signs what it says."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from devstack import franceconnect_state as fcs
from devstack.franceconnect import create_app

CALLBACK = fcs.DEFAULT_REDIRECT_URI
LOGOUT = fcs.DEFAULT_POST_LOGOUT_URI
STATE = "s" * 32
NONCE = "n" * 40
SCOPE = "openid given_name family_name birthdate gender birthplace birthcountry email"
DEVSTACK_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def client():
    return create_app(test_hooks=True).test_client()


def authorize_params(**changes) -> dict:
    params = {
        "response_type": "code",
        "client_id": fcs.DEFAULT_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "acr_values": "eidas1",
        "state": STATE,
        "nonce": NONCE,
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def login(client, identity: str = "angela", **changes) -> dict:
    """Open the login page, pick an identity; return the callback's query parameters."""
    page = client.get("/api/v2/authorize", query_string=authorize_params(**changes))
    assert page.status_code == 200
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
    answer = client.post("/api/v2/login", data={"interaction": interaction, "identity": identity})
    assert answer.status_code == 302
    assert answer.location.startswith(CALLBACK + "?")
    return query(answer.location)


def exchange(client, code: str, **changes):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": fcs.DEFAULT_CLIENT_ID,
        "client_secret": fcs.DEFAULT_CLIENT_SECRET,
    }
    form.update(changes)
    return client.post("/api/v2/token", data=form)


def key_set(client) -> KeySet:
    return KeySet.import_key_set(client.get("/api/v2/jwks").get_json())


def test_discovery_document_points_at_the_endpoints(client):
    doc = client.get("/api/v2/.well-known/openid-configuration").get_json()
    assert doc["issuer"] == fcs.DEFAULT_ISSUER
    for name, path in [
        ("authorization_endpoint", "authorize"), ("token_endpoint", "token"),
        ("userinfo_endpoint", "userinfo"), ("jwks_uri", "jwks"),
        ("end_session_endpoint", "session/end"),
    ]:  # fmt: skip
        assert doc[name] == f"{fcs.DEFAULT_ISSUER}/{path}"
    assert doc["acr_values_supported"] == ["eidas1"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post"]


def test_login_page_is_french_and_offers_the_fixtures(client):
    page = client.get("/api/v2/authorize", query_string=authorize_params())
    assert 'lang="fr"' in page.text
    assert "FranceConnect (fournisseur de test)" in page.text
    assert "Angela Claire Louise DUBOIS" in page.text
    assert "Refuser la connexion" in page.text


@pytest.mark.parametrize(
    "changes",
    [{"client_id": "inconnu"}, {"redirect_uri": "https://pirate.example/callback"}],
)
def test_unknown_client_or_redirect_uri_is_a_400_page(client, changes):
    answer = client.get("/api/v2/authorize", query_string=authorize_params(**changes))
    assert answer.status_code == 400
    assert "Location" not in answer.headers


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"acr_values": "eidas2"}, "invalid_request"),
        ({"acr_values": None}, "invalid_request"),
        ({"state": "s" * 31}, "invalid_request"),
        ({"nonce": "n" * 31}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"scope": "given_name email"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorize_requests_return_errors_to_the_redirect_uri(client, changes, error):
    answer = client.get("/api/v2/authorize", query_string=authorize_params(**changes))
    assert answer.status_code == 302
    params = query(answer.location)
    assert answer.location.startswith(CALLBACK + "?")
    assert params["error"] == error
    assert params["error_description"]
    assert params["state"] == changes.get("state", STATE)


def test_refusing_returns_access_denied_with_the_state(client):
    page = client.get("/api/v2/authorize", query_string=authorize_params())
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
    answer = client.post("/api/v2/login", data={"interaction": interaction, "refuse": "1"})
    assert query(answer.location) | {"error_description": ""} == {
        "error": "access_denied", "error_description": "", "state": STATE,
    }  # fmt: skip


def test_access_denied_mode_refuses_at_once(client):
    client.post("/_test/mode", json={"mode": "access_denied"})
    answer = client.get("/api/v2/authorize", query_string=authorize_params())
    assert answer.status_code == 302
    assert query(answer.location)["error"] == "access_denied"


def test_code_gives_verifiable_tokens_and_a_jwt_userinfo(client):
    code = login(client, "pierre")["code"]
    tokens = exchange(client, code).get_json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 60
    id_token = jwt.decode(tokens["id_token"], key_set(client), algorithms=["ES256"])
    assert id_token.header["alg"] == "ES256"
    claims = id_token.claims
    assert claims["iss"] == fcs.DEFAULT_ISSUER and claims["aud"] == fcs.DEFAULT_CLIENT_ID
    assert claims["nonce"] == NONCE and claims["acr"] == "eidas1"
    assert re.fullmatch(r"[0-9a-f]{64}v1", claims["sub"])
    assert claims["iat"] <= time.time() < claims["exp"] <= claims["iat"] + 60
    info = client.get(
        "/api/v2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.mimetype == "application/jwt"
    person = jwt.decode(info.get_data(as_text=True), key_set(client)).claims
    assert person["sub"] == claims["sub"]
    assert (person["family_name"], person["birthplace"], person["birthcountry"]) == (
        "MARTIN", "", "99217",
    )  # fmt: skip


def test_userinfo_gives_only_the_requested_claims(client):
    code = login(client, "fatoumata", scope="openid birthdate")["code"]
    access_token = exchange(client, code).get_json()["access_token"]
    info = client.get("/api/v2/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    claims = jwt.decode(info.get_data(as_text=True), key_set(client)).claims
    assert claims["birthdate"] == "1979-01-01"
    assert "given_name" not in claims and "email" not in claims


def test_userinfo_needs_a_valid_access_token(client):
    answer = client.get("/api/v2/userinfo", headers={"Authorization": "Bearer nimporte-quoi"})
    assert answer.status_code == 401
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


def test_code_is_single_use(client):
    code = login(client)["code"]
    assert exchange(client, code).status_code == 200
    replay = exchange(client, code)
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"


def test_code_is_bound_to_the_redirect_uri_and_spent_by_a_mismatch(client):
    code = login(client)["code"]
    assert exchange(client, code, redirect_uri=CALLBACK + "/autre").status_code == 400
    assert exchange(client, code).status_code == 400


def test_code_expires_after_60_seconds(client, monkeypatch):
    code = login(client)["code"]
    later = time.time() + 61
    monkeypatch.setattr(fcs.time, "time", lambda: later)
    assert exchange(client, code).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "changes", [{"client_secret": "mauvais"}, {"client_secret": ""}, {"client_id": "autre"}]
)
def test_token_endpoint_checks_the_client_secret(client, changes):
    answer = exchange(client, login(client)["code"], **changes)
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_client"


def test_wrong_key_mode_signs_with_an_unpublished_key(client):
    client.post("/_test/mode", json={"mode": "wrong_key"})
    tokens = exchange(client, login(client)["code"]).get_json()
    with pytest.raises(BadSignatureError):
        jwt.decode(tokens["id_token"], key_set(client))


def test_session_end_redirects_to_a_registered_uri_with_the_state(client):
    id_token = exchange(client, login(client)["code"]).get_json()["id_token"]
    logout_state = "l" * 43
    params = {"id_token_hint": id_token, "state": logout_state, "post_logout_redirect_uri": LOGOUT}
    answer = client.get("/api/v2/session/end", query_string=params)
    assert answer.status_code == 302
    assert answer.location == f"{LOGOUT}?state={logout_state}"
    last = client.get("/_test/last-logout").get_json()
    assert last["called"] and last["accepted"] and last["id_token_hint"] == id_token


@pytest.mark.parametrize(
    "changes",
    [
        {"post_logout_redirect_uri": "https://pirate.example/sortie"},
        {"id_token_hint": "pas-un-jeton"},
        {"state": "court"},
    ],
)
def test_session_end_refuses_bad_parameters(client, changes):
    id_token = exchange(client, login(client)["code"]).get_json()["id_token"]
    params = {"id_token_hint": id_token, "state": "l" * 43, "post_logout_redirect_uri": LOGOUT}
    answer = client.get("/api/v2/session/end", query_string=params | changes)
    assert answer.status_code == 400
    assert client.get("/_test/last-logout").get_json()["accepted"] is False


def test_test_hooks_exist_only_when_asked():
    plain = create_app().test_client()
    assert plain.post("/_test/mode", json={"mode": "wrong_key"}).status_code == 404
    assert plain.get("/_test/last-logout").status_code == 404


def test_unknown_mode_is_refused(client):
    assert client.post("/_test/mode", json={"mode": "chaos"}).status_code == 400
    assert client.get("/_test/mode").get_json() == {"mode": "normal"}


def test_cli_help_lists_the_options():
    result = subprocess.run(
        [sys.executable, "-P", "-m", "devstack.franceconnect", "--help"],
        capture_output=True, text=True, cwd=DEVSTACK_ROOT, check=True, timeout=30,
    )  # fmt: skip
    for option in ("--issuer", "--client-secret", "--redirect-uri", "--test-hooks"):
        assert option in result.stdout
