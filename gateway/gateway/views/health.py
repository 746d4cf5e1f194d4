"""Probes for the orchestrator: liveness without I/O, readiness of the gateway's own needs.

The gateway needs only its link to RabbitMQ to do its job: a stopped service makes its own
pages answer "momentarily unavailable" (503, in French), never the whole gateway unready.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from gateway.views import rpc

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers HTTP; restart it if not."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Send traffic here while RabbitMQ answers the gateway; services are not asked."""
    if rpc().broker_reachable():
        return jsonify({"status": "ok", "broker": "ok"})
    return jsonify({"status": "unavailable", "broker": "unreachable"}), 503
