"""Probes for the orchestrator: liveness without I/O, readiness by asking each service."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from contracts.errors import PortalError
from gateway.errors import ServiceUnavailable
from gateway.views import rpc

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers HTTP; restart it if not."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Send traffic here only if every configured service answers ``ping()`` in time."""
    config = current_app.config
    services = {name: _ping(name, config["READY_TIMEOUT"]) for name in config["READY_SERVICES"]}
    ready = all(state == "ok" for state in services.values())
    body = {"status": "ok" if ready else "unavailable", "services": services}
    return jsonify(body), 200 if ready else 503


def _ping(service: str, timeout: float) -> str:
    try:
        rpc().call(service, "ping", timeout=timeout)
    except (ServiceUnavailable, PortalError):
        return "unavailable"
    return "ok"
