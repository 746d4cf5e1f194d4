"""Redirect targets after a login: a path of this site only, whatever the spelling tried."""

from __future__ import annotations

import pytest

from gateway.redirects import safe_target

from .conftest import agent_identity

CREDENTIALS = {"email": "camille.martin@example.org", "password": "Tilleul-Platane-Saône-2026"}

BYPASSES = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0D%0A/evil.example/",
    "%09//evil.example/",
    "%0A",
    "%09",
    "/%2F%2Fevil.example/",
    "/%252F%252Fevil.example/",
    "/%5Cevil.example/",
    "/%E2%80%8B/evil.example/",
    "%20//evil.example/",
    "https:evil.example",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "//evil.example@localhost/",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "data:text/html,bonjour",
    "evil.example",
    "compte",
]
"""Query-string values (percent-encoded as a browser sends them) that must not leave the site."""


@pytest.mark.parametrize("suite", BYPASSES)
def test_login_never_sends_a_citizen_off_site(client, suite):
    response = client.post(f"/connexion?suite={suite}", data=CREDENTIALS)
    assert response.status_code == 303
    assert response.headers["Location"] == "/mon-espace"


@pytest.mark.parametrize("suite", BYPASSES)
def test_login_never_sends_an_agent_off_site(client, rpc, suite):
    rpc.answer("login", {"session_token": "jeton-agent", "identity": agent_identity()})
    response = client.post(f"/agents/connexion?suite={suite}", data=CREDENTIALS)
    assert response.status_code == 303
    assert response.headers["Location"] == "/agents/signalements"


@pytest.mark.parametrize(
    ("suite", "location"),
    [
        ("/compte/preferences", "/compte/preferences"),
        ("/suivi/ESP-2026-000001%3Fcle%3Dabc", "/suivi/ESP-2026-000001?cle=abc"),
        ("/com%0Apte", "/compte"),
        ("/compte%09", "/compte"),
    ],
)
def test_login_goes_back_to_a_page_of_the_site(client, suite, location):
    response = client.post(f"/connexion?suite={suite}", data=CREDENTIALS)
    assert response.status_code == 303
    assert response.headers["Location"] == location


@pytest.mark.parametrize("target", [None, "", 42, ["/compte"], "/" + "a" * 3000])
def test_unusable_targets_give_the_default(target):
    assert safe_target(target, "/mon-espace") == "/mon-espace"
