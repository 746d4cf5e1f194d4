"""Unit tier of the gateway: the Flask app with a fake RPC client, no broker, no server.

The fake answers with the contracts' golden examples, records every call with the
correlation id it was made under, and raises whatever a test tells it to.
"""

from __future__ import annotations

import base64
import copy
import re

import pytest
from flask import g, session

from contracts.base import example
from gateway import create_app
from gateway.franceconnect import FranceConnectResult

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"


def tracked_report() -> dict:
    """A ``contracts.requests.Report``: the agent example without the author's e-mail."""
    report = example("agent_report")
    report.pop("email")
    return report


CITIZEN_TOKEN = "jeton-de-session-du-citoyen"
NEW_TOKEN = "jeton-de-session-tout-neuf"
AGENT_ID = "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


def citizen_identity() -> dict:
    """A ``SessionIdentity`` of a citizen (the golden example)."""
    return example("session_opened")["identity"]


def agent_identity(*roles: str) -> dict:
    return {
        **citizen_identity(),
        "account_id": AGENT_ID,
        "kind": "agent",
        "roles": list(roles or ["agent_espace_public"]),
        "email": "agent@ville-caluire.fr",
        "display_name": "Dominique Agent",
    }


def caller_of(identity: dict) -> dict:
    """The RPC caller the gateway must derive from ``identity``."""
    return {
        "account_id": identity["account_id"],
        "roles": identity["roles"],
        "family_id": identity["family_id"],
    }


def agent_account() -> dict:
    return {**example("account"), "id": AGENT_ID, "kind": "agent", "roles": ["agent_regie"]}


def account_answers() -> dict:
    account = example("account")
    opened_again = {"session_token": NEW_TOKEN, "identity": citizen_identity()}
    fc_opened = example("session_opened")
    fc_opened["identity"]["via_franceconnect"] = True
    return {
        "resolve_session": citizen_identity(),
        "login": example("session_opened"),
        "franceconnect_login": fc_opened,
        "logout": {},
        "register": {"email": account["email"]},
        "verify_email": account,
        "request_password_reset": {},
        "reset_password": {},
        "get_account": account,
        "update_profile": account,
        "update_preferences": account,
        "change_password": opened_again,
        "change_email": {},
        "link_franceconnect": {**account, "franceconnect_linked": True},
        "unlink_franceconnect": account,
        "export_data": {
            "account": account,
            "franceconnect": None,
            "sessions": [{"created_at": "2026-11-26T08:00:00+00:00", "client_ip": "203.0.113.7"}],
            "exported_at": "2026-11-26T10:00:00+00:00",
        },
        "close_account": {},
        "list_agents": page_of([agent_account()]),
        "list_agents_with_role": [{"account_id": "agent-ec-2", "display_name": "Alix Registre"}],
        "create_agent": agent_account(),
        "set_agent_roles": agent_account(),
        "set_agent_disabled": {**agent_account(), "disabled": True},
        "confirm_reauthentication": {},
        "list_account_requests": [example("timeline_entry")],
    }


def page_of(items: list, page: int = 1, pages: int = 1) -> dict:
    """A ``contracts.paging`` page holding ``items``."""
    return {"items": items, "page": page, "size": 50, "total": len(items), "pages": pages}


def default_answers() -> dict:
    photo = {"content_type": "image/jpeg", "data": base64.b64encode(JPEG).decode()}
    return {
        **account_answers(),
        "submit_report": example("submitted_report"),
        "find_similar_reports": [],
        "get_tracked_report": tracked_report(),
        "get_tracked_report_photo": photo,
        "get_report_photo": photo,
        "list_reports": page_of([example("agent_report")]),
        "get_report": example("agent_report"),
        "change_report_status": example("agent_report"),
        "ping": None,
        "list_messages": page_of([example("outgoing_message")]),
        "list_linked_families": [],
    }


class FakeRpc:
    """Stands in for ``gateway.rpc.RpcClient``: same ``call`` signature, no broker."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.answers = default_answers()
        self.broker_up = True

    def broker_reachable(self) -> bool:
        return self.broker_up

    def answer(self, method: str, value: object) -> None:
        """Return ``value`` from ``method`` (raise it if it is an exception)."""
        self.answers[method] = value

    def call(self, service: str, method: str, *args: object, timeout: float | None = None):
        self.calls.append(
            {
                "service": service,
                "method": method,
                "args": copy.deepcopy(args),
                "timeout": timeout,
                "correlation_id": g.get("correlation_id"),
            }
        )
        answer = self.answers[method]
        if isinstance(answer, BaseException):
            raise answer
        return copy.deepcopy(answer)

    def methods(self) -> list[str]:
        return [c["method"] for c in self.calls]

    def last(self, method: str) -> dict:
        """The last call of ``method``."""
        return [c for c in self.calls if c["method"] == method][-1]


class FakeFranceConnect:
    """Stands in for ``gateway.franceconnect.FranceConnect``: same methods, no provider."""

    AUTHORIZE = "https://fc.example.fr/api/v2/authorize?state=etat-de-connexion"

    def __init__(self) -> None:
        self.enabled = True
        self.error: Exception | None = None
        self.result = FranceConnectResult(
            identity=example("franceconnect_login")["identity"],
            id_token="id-token-de-fc",
            auth_time=1_795_680_000,
        )
        self.logout_states: set[str] = set()

    def authorize_url(self, reauthenticate: bool = False) -> str:
        session["fc_state"] = "etat-de-connexion"
        self.reauthenticate = reauthenticate
        return self.AUTHORIZE + ("&prompt=login" if reauthenticate else "")

    def finish(self, args) -> FranceConnectResult:
        if self.error is not None:
            raise self.error
        return self.result

    def logout_url(self, id_token: str) -> str:
        self.logout_states.add("etat-de-deconnexion")
        return f"https://fc.example.fr/api/v2/session/end?id_token_hint={id_token}"

    def check_logout_state(self, state: str | None) -> bool:
        return state in self.logout_states


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Tests see the documented defaults, not the developer's shell."""
    for name in (
        "PORTAL_ENV", "GATEWAY_SECRET_KEY", "GATEWAY_PUBLIC_URL", "FRANCECONNECT_ISSUER",
        "FRANCECONNECT_CLIENT_ID", "FRANCECONNECT_CLIENT_SECRET",
        "AMQP_URI", "RPC_TIMEOUT", "RPC_POOL_SIZE", "TOWN_NAME", "TOWN_COLOR",
        "TOWN_COLOR_DARK", "GATEWAY_READY_TIMEOUT",
        "GATEWAY_TRUSTED_PROXIES", "CALLER_SIGNING_KEY",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rpc() -> FakeRpc:
    return FakeRpc()


@pytest.fixture
def franceconnect() -> FakeFranceConnect:
    return FakeFranceConnect()


@pytest.fixture
def make_app(rpc, franceconnect):
    """Build an app with test settings; keyword arguments override them."""

    def build(**overrides):
        config = {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "clé-de-test-assez-longue-pour-les-tests-unitaires",
            "PUBLIC_URL": "https://portail.example.fr",
            "RPC_CLIENT": rpc,
        }
        config.update(overrides)
        app = create_app(config)
        app.extensions["franceconnect"] = franceconnect
        return app

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def log_in(client, rpc, identity: dict, token: str = CITIZEN_TOKEN):
    """Give ``client`` a session cookie that the accounts service resolves to ``identity``."""
    client.set_cookie("portail_session", token)
    rpc.answer("resolve_session", identity)
    return client


@pytest.fixture
def citizen_client(client, rpc):
    """A client whose session belongs to a logged-in citizen (the golden example)."""
    return log_in(client, rpc, citizen_identity())


@pytest.fixture
def agent_client(client, rpc):
    """A client whose session belongs to a public-space agent."""
    return log_in(client, rpc, agent_identity("agent_espace_public"))


@pytest.fixture
def admin_client(client, rpc):
    return log_in(client, rpc, agent_identity("admin"))


def session_cookie(response) -> str | None:
    """The ``Set-Cookie`` header that sets or clears ``portail_session``, if any."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("portail_session="):
            return header
    return None


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def jpeg() -> bytes:
    """Bytes that start and end like a JPEG (the service, not the gateway, decodes images)."""
    return JPEG


@pytest.fixture
def csrf_token_in():
    return csrf_token_from
