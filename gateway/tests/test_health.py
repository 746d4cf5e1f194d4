"""Liveness without I/O; readiness asks every configured service for ``ping()``."""

from __future__ import annotations

from gateway.errors import ServiceUnavailable


def test_healthz_answers_without_any_rpc(client, rpc):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert rpc.calls == []


def test_readyz_pings_each_service_with_a_short_timeout(client, rpc):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "services": {"requests": "ok", "notifications": "ok"},
    }
    assert [(c["service"], c["method"], c["args"]) for c in rpc.calls] == [
        ("requests", "ping", ()),
        ("notifications", "ping", ()),
    ]
    assert all(c["timeout"] == 2.0 for c in rpc.calls)


def test_readyz_is_503_when_a_service_does_not_answer(make_app, rpc):
    rpc.answer("ping", ServiceUnavailable("notifications.ping"))
    client = make_app(READY_SERVICES=["notifications"]).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "services": {"notifications": "unavailable"},
    }
