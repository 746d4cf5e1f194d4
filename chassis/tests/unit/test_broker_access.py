"""The RabbitMQ grants name exactly what nameko declares for each component, and the setup
command writes them through the management API's documented endpoints."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from chassis import broker_access

REQUESTS = broker_access.grants()["requests"]
GATEWAY = broker_access.grants()["gateway"]
REPLY = "rpc.reply-standalone_rpc_proxy-0b8f6c1e-2f0d-4c4e-9a57-1b2c3d4e5f60"


def allowed(pattern: str, name: str) -> bool:
    return re.fullmatch(pattern, name) is not None


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        (REQUESTS.configure, "evt-accounts-account_closed--requests.on_account_closed", True),
        (REQUESTS.configure, "evt-accounts-account_closed--notifications.on_x", False),
        (REQUESTS.read, "accounts.events", True),
        (REQUESTS.write, "accounts.events", False),
        (REQUESTS.write, "requests.events", True),
        (REQUESTS.read, "rpc-accounts", False),
        (REQUESTS.write, "amq.default", False),
        (REQUESTS.read, "backoff-requests--1000ms", True),
        (REQUESTS.read, "backoff-notifications--1000ms", False),
        (REQUESTS.rpc_write, "0b8f6c1e-2f0d-4c4e-9a57-1b2c3d4e5f60", True),
        (REQUESTS.rpc_write, "accounts.create_agent", False),
        (GATEWAY.read, REPLY, True),
        (GATEWAY.read, "rpc-requests", False),
        (GATEWAY.rpc_write, "accounts.create_agent", True),
        (GATEWAY.rpc_write, "billing_inconnu.pay", False),
        (GATEWAY.write, "requests.events", False),
    ],
)
def test_grants_allow_nameko_names_of_the_component_only(pattern, name, expected):
    assert allowed(pattern, name) is expected


def test_setup_command_puts_each_user_and_its_permissions(monkeypatch):
    seen: list[tuple[str, str, dict]] = []

    class ManagementApi(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, self.headers["Authorization"], body))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), ManagementApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("RABBITMQ_ADMIN_USER", "portail")
    monkeypatch.setenv("RABBITMQ_ADMIN_PASSWORD", "admin-secret")
    for name in broker_access.grants():
        monkeypatch.setenv(f"{name.upper()}_RABBITMQ_PASSWORD", f"mot-de-passe-{name}")
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        assert broker_access.main(["--management-url", url]) == 0
    finally:
        server.shutdown()
    by_path = {path: body for path, _, body in seen}
    assert {auth for _, auth, _ in seen} == {"Basic cG9ydGFpbDphZG1pbi1zZWNyZXQ="}
    assert by_path["/api/users/gateway"] == {"password": "mot-de-passe-gateway", "tags": ""}
    assert by_path["/api/permissions/%2F/requests"] == {
        "configure": REQUESTS.configure,
        "write": REQUESTS.write,
        "read": REQUESTS.read,
    }
    assert by_path["/api/topic-permissions/%2F/gateway"] == {
        "exchange": "nameko-rpc",
        "write": GATEWAY.rpc_write,
        "read": GATEWAY.rpc_read,
    }
    assert len(seen) == 3 * len(broker_access.grants())
