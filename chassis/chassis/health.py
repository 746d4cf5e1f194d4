"""Health of a service: liveness, readiness, and ``ping()`` for callers.

A service class inherits the mixin; it needs a ``db`` (``Database``) dependency::

    class RequestsService(Health):
        name = "requests"
        db = Database(Base)

- ``GET /healthz`` (liveness): the process answers HTTP. No I/O, so a database or broker
  outage never makes the orchestrator restart a healthy process.
- ``GET /readyz`` (readiness): what this service needs itself answers: its database
  (``SELECT 1``) and its broker (a connection to ``AMQP_URI``), each within
  ``READY_TIMEOUT`` seconds, and its own consumers consume (its RPC queue and event queues:
  until then a call would wait in the queue, and the gateway, which asks RabbitMQ whether
  anyone consumes, would answer "service indisponible"; a rolling update that moved on at
  the first answer of a new replica's HTTP server left a gap with no consumer at all).
  503 with the failing part named otherwise.
- ``GET /metrics``: Prometheus metrics (``chassis.metrics``): every entrypoint's duration and
  errors, the outbox backlog, set-aside events and dead letters.
- ``ping()`` (RPC): answered over RabbitMQ with no I/O; a reply proves the broker and the
  service's consumer work.

The HTTP endpoints listen on nameko's ``WEB_SERVER_ADDRESS``.
"""

from __future__ import annotations

import json
import logging

import eventlet
from kombu import Connection
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.rpc import rpc
from nameko.web.handlers import http
from sqlalchemy import text
from werkzeug.wrappers import Response

from chassis.database import Database
from chassis.metrics import ServiceMetrics

log = logging.getLogger(__name__)

READY_TIMEOUT = 2.0


class ReadinessCheck:
    """What a worker gets: ``check()`` the database and the broker, each with a timeout."""

    def __init__(
        self, database: Database, amqp_uri: str, timeout: float, consumers: tuple = ()
    ) -> None:
        self.database = database
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.consumers = consumers

    def check(self) -> dict:
        return {
            "database": self._within_timeout("database", self._database),
            "broker": self._within_timeout("broker", self._broker),
            "consumers": "ok" if self.consuming() else "starting",
        }

    def consuming(self) -> bool:
        """True once each queue consumer of the container has its queues consumed (nameko
        2.14's ``QueueConsumer`` sets ``_consumers_ready`` when RabbitMQ confirmed them)."""
        return all(consumer._consumers_ready.ready() for consumer in self.consumers)

    def _database(self) -> None:
        with self.database.sessions.session() as session:
            session.execute(text("SELECT 1"))

    def _broker(self) -> None:
        with Connection(self.amqp_uri, connect_timeout=self.timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=self.timeout)

    def _within_timeout(self, part: str, probe) -> str:
        try:
            with eventlet.Timeout(self.timeout):
                probe()
        except (Exception, eventlet.Timeout) as exc:
            log.warning("readiness: %s unreachable: %r", part, exc)
            return "unreachable"
        return "ok"


class Readiness(DependencyProvider):
    """Gives workers a :class:`ReadinessCheck` on the service's ``Database`` and broker."""

    def setup(self) -> None:
        database = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        if database is None:
            raise RuntimeError("Health needs a Database dependency on the same service")
        timeout = float(self.container.config.get("READY_TIMEOUT", READY_TIMEOUT))
        amqp_uri = self.container.config[AMQP_URI_CONFIG_KEY]
        consumers = tuple(e for e in self.container.extensions if isinstance(e, QueueConsumer))
        self.readiness = ReadinessCheck(database, amqp_uri, timeout, consumers)

    def get_dependency(self, worker_ctx) -> ReadinessCheck:
        return self.readiness


class Health:
    """Mixin adding the health entrypoints to a nameko service."""

    readiness = Readiness()
    metrics = ServiceMetrics()

    @http("GET", "/healthz")
    def healthz(self, request) -> Response:
        """Liveness: the process answers."""
        return _json({"service": self.name, "status": "ok"}, 200)

    @http("GET", "/readyz")
    def readyz(self, request) -> Response:
        """Readiness: the service's database and broker answer, and its consumers consume."""
        parts = self.readiness.check()
        ready = all(state == "ok" for state in parts.values())
        report = {"service": self.name, "status": "ok" if ready else "unavailable", **parts}
        return _json(report, 200 if ready else 503)

    @http("GET", "/metrics")
    def prometheus_metrics(self, request) -> Response:
        """Prometheus metrics of this process and of the service's tables (chassis.metrics)."""
        return Response(self.metrics.render(), status=200, content_type=self.metrics.content_type)

    @rpc
    def ping(self) -> dict:
        """Answered over RabbitMQ without I/O: the broker and this service's consumer work."""
        return {"service": self.name, "status": "ok"}


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
