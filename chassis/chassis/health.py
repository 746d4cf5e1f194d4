"""Health of a service: ``GET /healthz`` for the orchestrator, ``ping()`` for the gateway.

A service class inherits the mixin; it needs a ``db`` (``Database``) dependency::

    class RequestsService(Health):
        name = "requests"
        db = Database(Base)

The HTTP endpoint listens on nameko's ``WEB_SERVER_ADDRESS``.
"""

from __future__ import annotations

import json
import logging

from nameko.rpc import rpc
from nameko.web.handlers import http
from sqlalchemy import text
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)


class Health:
    """Mixin adding the health entrypoints to a nameko service."""

    def _health(self) -> dict:
        try:
            with self.db.session() as session:
                session.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:
            log.warning("health check: database unreachable: %r", exc)
            database = "unreachable"
        status = "ok" if database == "ok" else "degraded"
        return {"service": self.name, "status": status, "database": database}

    @http("GET", "/healthz")
    def healthz(self, request) -> Response:
        report = self._health()
        code = 200 if report["status"] == "ok" else 503
        return Response(json.dumps(report), status=code, mimetype="application/json")

    @rpc
    def ping(self) -> dict:
        """Answered over RabbitMQ, so a caller learns the broker and the service both work."""
        return self._health()
