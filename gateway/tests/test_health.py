"""Liveness without I/O; readiness is the gateway's own broker link, never a service."""

from __future__ import annotations

import pytest
from flask import Flask

from contracts import signed_caller
from gateway.availability import ServiceConsumers
from gateway.errors import ServiceUnavailable
from gateway.rpc import RpcClient


def test_healthz_answers_without_any_rpc(client, rpc):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert rpc.calls == []


def test_readyz_asks_the_broker_and_no_service(client, rpc):
    rpc.answer("ping", ServiceUnavailable("notifications.ping"))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "broker": "ok"}
    assert rpc.calls == []


def test_readyz_is_503_without_the_broker(client, rpc):
    rpc.broker_up = False
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "broker": "unreachable"}


class NobodyListens(ServiceConsumers):
    """What RabbitMQ says when every replica of a service is stopped."""

    def __init__(self) -> None:
        super().__init__("amqp://unused", timeout=1.0)
        self.asked: list[str] = []

    def listening(self, service: str) -> bool:
        self.asked.append(service)
        return False


def test_call_to_a_service_nobody_listens_to_fails_at_once():
    app = Flask("test")
    app.config.update(AMQP_URI="amqp://unused", RPC_TIMEOUT=5.0, RPC_POOL_SIZE=1)
    app.config["CALLER_SIGNING_KEY"] = signed_caller.generate_key()
    started = []
    consumers = NobodyListens()
    client = RpcClient(app, proxy_factory=lambda *a: started.append(a), consumers=consumers)
    with app.app_context(), pytest.raises(ServiceUnavailable):
        client.call("notifications", "list_messages", {})
    assert consumers.asked == ["notifications"] and started == []
