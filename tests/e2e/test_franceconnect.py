"""Logging in with FranceConnect through the test provider, logging out through it, and each
way the login must fail: a clear error page and no session.

The provider's fixture identities are shared by the whole test session: ``angela`` logs in,
``jean-pierre`` only meets failures, ``pierre`` has a password account first (conflict);
the browser tests use ``fatoumata``.
"""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests

SESSION_COOKIE = "portail_session"
STATE_COOKIE = "portail_etat"
ERROR_TITLE = "Connexion avec FranceConnect impossible"
LOGGED_OUT = "Vous êtes déconnecté"
TIMEOUT = 30


class Trip:
    """One visit to FranceConnect: the callback URL it sent back, and the gateway's answer."""

    def __init__(self, callback_url: str, state_cookie: str | None, answer: requests.Response):
        self.callback_url = callback_url
        self.state_cookie = state_cookie
        self.answer = answer


def to_provider(portal, session: requests.Session) -> str:
    """The gateway's redirect to the provider's authorize endpoint."""
    answer = portal.get("/auth/franceconnect/login", session, allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


def choose_identity(session: requests.Session, authorize_url: str, identity: str) -> str:
    """Pick ``identity`` on the provider's login page; returns the callback URL it redirects to."""
    page = session.get(authorize_url, allow_redirects=False, timeout=TIMEOUT)
    if page.status_code in (302, 303):  # access_denied mode: straight back to the site
        return page.headers["Location"]
    assert page.status_code == 200, page.text[:300]
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text)
    assert action and interaction, page.text[:500]
    assert f'name="identity" value="{identity}"' in page.text
    answer = session.post(
        urljoin(page.url, action.group(1)),
        data={"interaction": interaction.group(1), "identity": identity},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


def franceconnect_login(
    portal, session: requests.Session, identity: str, tamper=lambda url: url
) -> Trip:
    """The whole trip, stopping at the gateway's answer to the callback."""
    callback_url = tamper(choose_identity(session, to_provider(portal, session), identity))
    assert callback_url.startswith(portal.url("/auth/franceconnect/callback")), callback_url
    state_cookie = session.cookies.get(STATE_COOKIE)
    answer = session.get(callback_url, allow_redirects=False, timeout=TIMEOUT)
    return Trip(callback_url, state_cookie, answer)


def assert_no_login(portal, session: requests.Session, trip: Trip, status: int = 400) -> None:
    answer = trip.answer
    assert answer.status_code == status, answer.text[:500]
    assert ERROR_TITLE in answer.text
    assert not session.cookies.get(SESSION_COOKIE)
    redirected = portal.get("/compte", session, allow_redirects=False)
    assert redirected.status_code in (302, 303)
    assert "/connexion" in redirected.headers["Location"]


class GatewayLog:
    """The reason the gateway logs for a refused FranceConnect login (never shown to people)."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.start = len(stack.logs("gateway"))

    def wait_for(self, reason: str) -> None:
        deadline = time.monotonic() + 5
        while reason not in self.stack.logs("gateway")[self.start :]:
            assert time.monotonic() < deadline, f"the gateway did not log {reason!r}"
            time.sleep(0.1)


@pytest.fixture
def provider_mode(stack) -> Iterator:
    """Set the provider's mode for one test; back to normal afterwards."""
    yield stack.set_franceconnect_mode
    stack.set_franceconnect_mode("normal")


def test_connexion_franceconnect_cree_un_compte_prerempli_et_deconnexion_par_franceconnect(
    stack, portal, helpers
):
    citizen = helpers.client()
    trip = franceconnect_login(portal, citizen, "angela")

    assert trip.answer.status_code == 303, trip.answer.text[:500]
    assert trip.answer.headers["Location"].endswith("/mon-espace")
    assert citizen.cookies.get(SESSION_COOKIE)
    profile = helpers.Page(portal.get("/compte/informations", citizen).text)
    assert profile.values["given_name"] == "Angela Claire Louise"
    assert profile.values["family_name"] == "DUBOIS"

    token = citizen.cookies.get(SESSION_COOKIE)
    leaving = portal.post_form(citizen, "/deconnexion", {}, form_page="/compte")
    assert leaving.status_code == 200  # a page that moves on by itself (CSP form-action)
    revoked = helpers.client()
    revoked.cookies.set(SESSION_COOKIE, token)
    assert portal.is_logged_out(revoked), "the portal session outlived the POST /deconnexion"
    target = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', leaving.text)
    assert target, leaving.text[:500]
    back = citizen.get(urljoin(leaving.url, html.unescape(target.group(1))), timeout=TIMEOUT)

    assert back.status_code == 200
    assert LOGGED_OUT in back.text
    assert back.url.startswith(portal.url("/auth/franceconnect/logout?"))
    logout = stack.last_franceconnect_logout()
    assert logout["called"] and logout["accepted"], logout
    assert logout["post_logout_redirect_uri"] == portal.url("/auth/franceconnect/logout")
    assert logout["id_token_hint"]
    assert not citizen.cookies.get(SESSION_COOKIE)
    assert portal.get("/compte", citizen, allow_redirects=False).status_code in (302, 303)


def with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["state"] = state
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_un_state_modifie_est_refuse(stack, portal, helpers):
    citizen = helpers.client()
    log = GatewayLog(stack)

    trip = franceconnect_login(
        portal, citizen, "jean-pierre", lambda url: with_state(url, uuid.uuid4().hex)
    )

    assert_no_login(portal, citizen, trip)
    log.wait_for("state missing from the session or different")


def test_un_code_rejoue_est_refuse(stack, portal, helpers):
    first = helpers.client()
    trip = franceconnect_login(portal, first, "angela")
    assert trip.answer.status_code == 303

    replay = helpers.client()  # same state cookie as the first trip, same callback URL
    replay.cookies.set(STATE_COOKIE, trip.state_cookie)
    log = GatewayLog(stack)
    answer = replay.get(trip.callback_url, allow_redirects=False, timeout=TIMEOUT)

    assert_no_login(portal, replay, Trip(trip.callback_url, None, answer))
    log.wait_for("token exchange failed")


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("bad_nonce", "nonce differs"),
        ("wrong_key", "id_token rejected"),
        ("sub_mismatch", "userinfo sub differs from the id_token sub"),
        ("access_denied", "provider error access_denied"),
    ],
)
def test_une_reponse_invalide_du_fournisseur_est_refusee(
    stack, portal, helpers, provider_mode, mode, reason
):
    provider_mode(mode)
    citizen = helpers.client()
    log = GatewayLog(stack)

    trip = franceconnect_login(portal, citizen, "jean-pierre")

    assert_no_login(portal, citizen, trip)
    log.wait_for(reason)


def test_premiere_connexion_avec_l_adresse_d_un_compte_existant_est_un_conflit(
    stack, portal, helpers
):
    email, password = "pierre.martin@example.org", helpers.new_password()
    portal.register_and_confirm(email, password)
    citizen = helpers.client()

    trip = franceconnect_login(portal, citizen, "pierre")

    assert_no_login(portal, citizen, trip, status=409)
    account = portal.get("/compte", portal.citizen_session(email, password))
    assert "Lier mon compte à FranceConnect" in account.text, "FranceConnect got linked"


REAUTH_REQUIRED = "confirmez d&#39;abord votre identité avec FranceConnect"
REAUTH_DONE = "Identité confirmée avec FranceConnect"


def test_un_compte_franceconnect_se_reidentifie_avant_de_changer_d_adresse(
    stack, portal, helpers, new_email, provider_mode
):
    citizen = helpers.client()
    trip = franceconnect_login(portal, citizen, "angela")
    assert trip.answer.status_code == 303, trip.answer.text[:500]
    new_address = new_email("nouvelle")

    page = portal.get("/compte/email", citizen)
    assert 'action="/compte/franceconnect/reidentifier?suite=/compte/email"' in page.text
    refused = portal.post_form(citizen, "/compte/email", {"new_email": new_address})
    assert refused.status_code == 403 and REAUTH_REQUIRED in refused.text

    provider_mode("stale_auth_time")
    stale = reauthenticate(portal, citizen)
    assert stale.status_code == 400 and "nouvelle identification" in stale.text
    provider_mode("normal")

    back = reauthenticate(portal, citizen)
    assert back.status_code == 303 and back.headers["Location"] == "/compte/email"
    assert REAUTH_DONE in portal.get("/compte/email", citizen).text
    changed = portal.post_form(citizen, "/compte/email", {"new_email": new_address})
    assert changed.status_code == 303, changed.text[:500]
    portal.mail_link(new_address, "Confirmez votre nouvelle adresse e-mail", "/compte/confirmation")


def reauthenticate(portal, citizen):
    """The button of the e-mail page, the trip to FranceConnect (prompt=login) and back."""
    started = portal.post_form(
        citizen, "/compte/franceconnect/reidentifier?suite=/compte/email", {}, "/compte/email"
    )
    assert started.status_code == 200, started.text[:300]
    authorize = to_provider(portal, citizen)
    assert "prompt=login" in authorize
    callback = choose_identity(citizen, authorize, "angela")
    return citizen.get(callback, allow_redirects=False, timeout=30)
