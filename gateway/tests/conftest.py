"""Unit tier of the gateway: the Flask app with a fake RPC client, no broker, no server.

The fake answers with the contracts' golden examples, records every call with the
correlation id it was made under, and raises whatever a test tells it to.
"""

from __future__ import annotations

import base64
import copy
import re

import pytest
from flask import g

from contracts.base import example
from gateway import create_app

AGENT_PASSWORD = "mot-de-passe-des-agents"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"


def tracked_report() -> dict:
    """A ``contracts.requests.Report``: the agent example without the author's e-mail."""
    report = example("agent_report")
    report.pop("email")
    return report


def default_answers() -> dict:
    photo = {"content_type": "image/jpeg", "data": base64.b64encode(JPEG).decode()}
    return {
        "submit_report": example("submitted_report"),
        "get_tracked_report": tracked_report(),
        "get_tracked_report_photo": photo,
        "get_report_photo": photo,
        "list_reports": [example("agent_report")],
        "get_report": example("agent_report"),
        "change_report_status": example("agent_report"),
        "ping": None,
    }


class FakeRpc:
    """Stands in for ``gateway.rpc.RpcClient``: same ``call`` signature, no broker."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.answers = default_answers()

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


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Tests see the documented defaults, not the developer's shell."""
    for name in (
        "PORTAL_ENV", "GATEWAY_SECRET_KEY", "GATEWAY_PUBLIC_URL", "GATEWAY_AGENT_PASSWORD",
        "AMQP_URI", "RPC_TIMEOUT", "RPC_POOL_SIZE", "TOWN_NAME", "TOWN_COLOR",
        "TOWN_COLOR_DARK", "GATEWAY_READY_SERVICES", "GATEWAY_READY_TIMEOUT",
        "GATEWAY_TRUSTED_PROXIES",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def rpc() -> FakeRpc:
    return FakeRpc()


@pytest.fixture
def make_app(rpc):
    """Build an app with test settings; keyword arguments override them."""

    def build(**overrides):
        config = {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "clé-de-test-assez-longue-pour-les-tests-unitaires",
            "AGENT_PASSWORD": AGENT_PASSWORD,
            "PUBLIC_URL": "https://portail.example.fr",
            "RPC_CLIENT": rpc,
        }
        config.update(overrides)
        return create_app(config)

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def agent_client(client):
    """A client whose session belongs to a logged-in agent."""
    response = client.post("/agents/connexion", data={"password": AGENT_PASSWORD})
    assert response.status_code == 303
    return client


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
