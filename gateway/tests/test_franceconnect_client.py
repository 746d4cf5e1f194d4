"""The FranceConnect client against the devstack test provider served on a real port."""

from __future__ import annotations

import logging
import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask, session
from joserfc.jwk import ECKey, KeySet
from werkzeug.serving import make_server

from devstack.franceconnect import create_app as create_provider
from devstack.franceconnect_state import ProviderSettings
from gateway.franceconnect import (
    FranceConnect,
    FranceConnectError,
    FranceConnectResult,
)
from gateway.settings import SettingsError

PUBLIC_URL = "https://portail.example.fr"
CALLBACK = f"{PUBLIC_URL}/auth/franceconnect/callback"
LOGOUT = f"{PUBLIC_URL}/auth/franceconnect/logout"
CLIENT_ID = "portail-caluire-test"
SECRET = "secret-de-test-franceconnect"


@pytest.fixture(scope="module")
def provider():
    """The provider on a free port; the issuer is known once the port is."""
    holder = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    issuer = f"http://127.0.0.1:{server.server_port}/api/v2"
    settings = ProviderSettings(issuer, CLIENT_ID, SECRET, (CALLBACK,), (LOGOUT,))
    holder["app"] = create_provider(settings, test_hooks=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", issuer
    server.shutdown()
    thread.join(5)


@pytest.fixture
def mode(provider):
    """Set the provider's test mode; back to normal after the test."""
    base, _ = provider

    def set_mode(name: str) -> None:
        requests.post(f"{base}/_test/mode", json={"mode": name}, timeout=5).raise_for_status()

    yield set_mode
    set_mode("normal")


def make_app(issuer: str, **config) -> Flask:
    app = Flask("franceconnect-client-test")
    app.config.update(
        SECRET_KEY="clé-de-test-assez-longue-pour-les-sessions",
        PUBLIC_URL=PUBLIC_URL,
        PORTAL_ENV="development",
        FRANCECONNECT_ISSUER=issuer,
        FRANCECONNECT_CLIENT_ID=CLIENT_ID,
        FRANCECONNECT_CLIENT_SECRET=SECRET,
    )
    app.config.update(config)
    FranceConnect(app)
    return app


@pytest.fixture
def app(provider):
    return make_app(provider[1])


@pytest.fixture
def fc(app):
    with app.test_request_context("/"):
        yield app.extensions["franceconnect"]


def browse(url: str, identity: str = "angela") -> dict:
    """What a browser does at the provider: open the page, pick an identity, follow back."""
    page = requests.get(url, allow_redirects=False, timeout=5)
    if page.status_code == 302:
        return query(page.headers["Location"])
    assert page.status_code == 200, page.text
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    login = urlsplit(url)._replace(path=action, query="")
    answer = requests.post(
        login.geturl(), data={"interaction": interaction, "identity": identity},
        allow_redirects=False, timeout=5,
    )  # fmt: skip
    assert answer.headers["Location"].startswith(CALLBACK + "?")
    return query(answer.headers["Location"])


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_authorize_url_carries_what_franceconnect_requires(fc, provider):
    params = query(fc.authorize_url())
    assert params["acr_values"] == "eidas1"
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == CALLBACK
    assert params["scope"] == "openid given_name family_name gender email"
    assert "prompt" not in params
    assert len(params["state"]) >= 43 and len(params["nonce"]) >= 43
    assert params["state"] != params["nonce"]
    assert (session["fc_state"], session["fc_nonce"]) == (params["state"], params["nonce"])


def test_happy_path_returns_the_identite_pivot_and_the_id_token(fc):
    result = fc.finish(browse(fc.authorize_url(), "angela"))
    assert isinstance(result, FranceConnectResult)
    identity = dict(result.identity)
    assert re.fullmatch(r"[0-9a-f]{64}v1", identity.pop("sub"))
    assert identity == {
        "given_name": "Angela Claire Louise", "family_name": "DUBOIS",
        "birthdate": "", "gender": "female", "birthplace": "",
        "birthcountry": "", "email": "angela.dubois@example.org",
    }  # fmt: skip
    assert result.id_token.count(".") == 2
    assert "fc_state" not in session and "fc_nonce" not in session


def test_birth_claims_come_only_when_a_town_asks_for_them(provider):
    app = make_app(provider[1], FRANCECONNECT_SCOPES="openid identite_pivot email")
    with app.test_request_context("/"):
        fc = app.extensions["franceconnect"]
        identity = fc.finish(browse(fc.authorize_url(), "pierre")).identity
    assert (identity["birthplace"], identity["birthcountry"]) == ("", "99217")


def test_a_token_signed_with_another_algorithm_than_the_registered_one_is_refused(fc, mode):
    mode("rs256")
    with pytest.raises(FranceConnectError) as error:
        fc.finish(browse(fc.authorize_url()))
    assert "id_token rejected" in error.value.reason


def test_the_registered_algorithm_is_a_setting(provider, mode):
    app = make_app(provider[1], FRANCECONNECT_ID_TOKEN_ALG="RS256")
    with app.test_request_context("/"):
        fc = app.extensions["franceconnect"]
        with pytest.raises(FranceConnectError):
            fc.finish(browse(fc.authorize_url()))  # ES256 now refused
        mode("rs256")
        assert fc.finish(browse(fc.authorize_url())).identity["family_name"] == "DUBOIS"


def test_an_unknown_algorithm_setting_stops_the_start(provider):
    for algorithm in ("none", "HS256"):
        with pytest.raises(SettingsError, match="FRANCECONNECT_ID_TOKEN_ALG"):
            make_app(provider[1], FRANCECONNECT_ID_TOKEN_ALG=algorithm)


def test_reauthentication_asks_for_a_new_login_and_checks_auth_time(fc, provider, mode):
    url = fc.authorize_url(reauthenticate=True)
    assert query(url)["prompt"] == "login"
    result = fc.finish(browse(url))
    assert result.auth_time >= int(time.time()) - 5
    mode("stale_auth_time")
    with pytest.raises(FranceConnectError) as error:
        fc.finish(browse(fc.authorize_url(reauthenticate=True)))
    assert "auth_time" in error.value.reason
    assert "nouvelle identification" in error.value.message
    assert fc.finish(browse(fc.authorize_url())).auth_time  # a plain login does not check it


def test_wrong_state_is_refused(fc):
    args = browse(fc.authorize_url())
    with pytest.raises(FranceConnectError) as error:
        fc.finish(args | {"state": "x" * 43})
    assert "expiré" in error.value.message


def test_callback_without_a_pending_login_is_refused(fc):
    args = browse(fc.authorize_url())
    session.clear()
    with pytest.raises(FranceConnectError):
        fc.finish(args)


def test_replayed_code_is_refused(fc, caplog):
    args = browse(fc.authorize_url())
    state, nonce = session["fc_state"], session["fc_nonce"]
    fc.finish(args)
    session["fc_state"], session["fc_nonce"] = state, nonce  # even with the state replayed
    with (
        caplog.at_level(logging.WARNING, "gateway.franceconnect"),
        pytest.raises(FranceConnectError) as error,
    ):
        fc.finish(args)
    assert "invalid_grant" in error.value.reason
    assert "invalid_grant" in caplog.text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad_nonce", "nonce"),
        ("wrong_key", "id_token rejected"),
        ("sub_mismatch", "sub differs"),
    ],
)
def test_provider_misbehaviour_is_refused(fc, mode, name, reason):
    mode(name)
    with pytest.raises(FranceConnectError) as error:
        fc.finish(browse(fc.authorize_url()))
    assert reason in error.value.reason
    assert error.value.message == "La connexion avec FranceConnect a échoué. Veuillez réessayer."


def test_access_denied_is_a_cancelled_login(fc, mode):
    mode("access_denied")
    args = browse(fc.authorize_url())
    assert args["error"] == "access_denied"
    with pytest.raises(FranceConnectError) as error:
        fc.finish(args)
    assert error.value.message == "Connexion FranceConnect annulée."
    assert "fc_state" not in session


def test_key_set_is_fetched_again_for_an_unknown_kid(fc):
    fc.authorize_url()  # discovery
    fc._keys = KeySet([ECKey.generate_key("P-256", auto_kid=True)])
    result = fc.finish(browse(fc.authorize_url()))
    assert result.identity["family_name"] == "DUBOIS"


def test_logout_url_carries_the_hint_the_state_and_the_return(fc, provider):
    result = fc.finish(browse(fc.authorize_url()))
    url = fc.logout_url(result.id_token)
    params = query(url)
    assert url.startswith(f"{provider[1]}/session/end?")
    assert params["id_token_hint"] == result.id_token
    assert params["post_logout_redirect_uri"] == LOGOUT
    assert len(params["state"]) >= 43
    back = requests.get(url, allow_redirects=False, timeout=5)
    assert back.headers["Location"] == f"{LOGOUT}?state={params['state']}"
    last = requests.get(f"{provider[0]}/_test/last-logout", timeout=5).json()
    assert last["accepted"] and last["id_token_hint"] == result.id_token
    assert not fc.check_logout_state("y" * 43)
    fc.logout_url(result.id_token)
    state = session["fc_logout_state"]
    assert fc.check_logout_state(state)
    assert not fc.check_logout_state(state)  # once


def test_disabled_without_settings_and_half_configured_production_fails(provider, monkeypatch):
    for name in ("FRANCECONNECT_ISSUER", "FRANCECONNECT_CLIENT_ID", "FRANCECONNECT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    app = make_app(provider[1], FRANCECONNECT_CLIENT_SECRET="")
    with app.test_request_context("/"):
        fc = app.extensions["franceconnect"]
        assert not fc.enabled
        with pytest.raises(FranceConnectError):
            fc.authorize_url()
    with pytest.raises(SettingsError):
        make_app(provider[1], FRANCECONNECT_CLIENT_SECRET="", PORTAL_ENV="production")


def test_settings_come_from_the_environment_too(provider, monkeypatch):
    monkeypatch.setenv("FRANCECONNECT_SCOPES", "openid family_name")
    app = make_app(provider[1])
    assert app.extensions["franceconnect"].scopes == "openid family_name"
    assert app.extensions["franceconnect"].redirect_uri == CALLBACK
