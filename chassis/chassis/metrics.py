"""Prometheus metrics of a service, served on ``GET /metrics`` beside its health endpoints.

The ``Health`` mixin declares a :class:`ServiceMetrics` dependency, so every service gets,
with no code of its own:

- ``portail_entrypoint_duration_seconds{service, entrypoint, kind}``: a histogram of each
  worker's duration, by entrypoint (the RPC method, event handler, timer or HTTP route) and
  kind (``rpc``, ``event``, ``timer``, ``http``);
- ``portail_entrypoint_errors_total{service, entrypoint, kind, expected}``: workers that
  ended in an exception; ``expected="true"`` for a declared ``expected_exceptions`` (a
  caller's mistake: ``Invalid``, ``NotFound``...), ``"false"`` for a bug or an outage;
- ``portail_dead_letters_total{service, source, event_type}``: events this process wrote to
  ``dead_letter_events`` (``chassis.events``);
- read from the database at each scrape, so every replica tells the same truth and nothing
  is lost at a restart: ``portail_outbox_pending_events``, ``portail_outbox_oldest_pending_age_seconds``,
  ``portail_outbox_set_aside_events`` (kept rows no queue took, ``chassis.outbox``),
  ``portail_dead_letter_events`` (dead letters waiting for an operator), and
  ``portail_metrics_database_up`` (0 when those could not be read within ``READY_TIMEOUT``).

A nameko service is one process (eventlet), so the default registry is the process's whole
truth; a service adds its own counters with ``prometheus_client`` as usual (notifications:
e-mail deliveries).
"""

from __future__ import annotations

import logging
import time
from weakref import WeakKeyDictionary

import eventlet
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from chassis import tables
from chassis.database import Database, Sessions
from chassis.outbox import UNROUTABLE
from chassis.types import utcnow

log = logging.getLogger(__name__)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ENTRYPOINT_SECONDS = Histogram(
    "portail_entrypoint_duration_seconds",
    "Duration of a service's workers, by entrypoint.",
    ["service", "entrypoint", "kind"],
    buckets=BUCKETS,
)
ENTRYPOINT_ERRORS = Counter(
    "portail_entrypoint_errors_total",
    "Workers that ended in an exception; expected=true for a declared expected exception.",
    ["service", "entrypoint", "kind", "expected"],
)
DEAD_LETTERS = Counter(
    "portail_dead_letters_total",
    "Events written to dead_letter_events by this process.",
    ["service", "source", "event_type"],
)


def entrypoint_kind(entrypoint: object) -> str:
    if isinstance(entrypoint, Rpc):
        return "rpc"
    if isinstance(entrypoint, Timer):
        return "timer"
    if isinstance(entrypoint, HttpRequestHandler):
        return "http"
    return "event"


class DatabaseSnapshot(Collector):
    """The gauges read from a service's own tables, once per scrape."""

    def __init__(self, database: Database, service: str, timeout: float) -> None:
        self.database = database  # its sessions exist once the container has started
        self.service = service
        self.timeout = timeout

    def collect(self):
        gauges = {
            "portail_outbox_pending_events": "Outbox events not published yet.",
            "portail_outbox_oldest_pending_age_seconds": "Age of the oldest outbox event not published.",
            "portail_outbox_set_aside_events": "Outbox events set aside because no queue took them.",
            "portail_dead_letter_events": "Dead letters waiting for an operator.",
            "portail_metrics_database_up": "1 when the figures above could be read from the database.",
        }
        try:
            with eventlet.Timeout(self.timeout):
                values = {**self._read(), "portail_metrics_database_up": 1}
        except (Exception, eventlet.Timeout) as exc:
            log.warning("metrics: database unreadable: %r", exc)
            values = {"portail_metrics_database_up": 0}
        for name, help_text in gauges.items():
            if name in values:
                family = GaugeMetricFamily(name, help_text, labels=["service"])
                family.add_metric([self.service], values[name])
                yield family

    def _read(self) -> dict[str, float]:
        sessions: Sessions = self.database.sessions
        outbox = tables.table(sessions.metadata, tables.OUTBOX)
        dead = tables.table(sessions.metadata, tables.DEAD_LETTERS)
        pending = outbox.c.published_at.is_(None)
        with sessions.session() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(pending)
            ).one()
            set_aside = session.execute(
                select(func.count()).where(outbox.c.last_error == UNROUTABLE)
            ).scalar_one()
            dead_letters = session.execute(select(func.count()).select_from(dead)).scalar_one()
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        return {
            "portail_outbox_pending_events": count,
            "portail_outbox_oldest_pending_age_seconds": max(age, 0.0),
            "portail_outbox_set_aside_events": set_aside,
            "portail_dead_letter_events": dead_letters,
        }


class MetricsPage:
    """What the ``/metrics`` worker gets: the exposition text and its content type."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, snapshot: DatabaseSnapshot) -> None:
        self.snapshot = snapshot

    def render(self) -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self.snapshot)
        return generate_latest(REGISTRY) + generate_latest(registry)


class ServiceMetrics(DependencyProvider):
    """Times every worker of the service and gives workers the ``/metrics`` page."""

    def __init__(self) -> None:
        self.started: WeakKeyDictionary = WeakKeyDictionary()

    def setup(self) -> None:
        database = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        if database is None:
            raise RuntimeError("ServiceMetrics needs a Database dependency on the same service")
        timeout = float(self.container.config.get("READY_TIMEOUT", 2.0))
        self.page = MetricsPage(DatabaseSnapshot(database, self.container.service_name, timeout))

    def get_dependency(self, worker_ctx) -> MetricsPage:
        return self.page

    def worker_setup(self, worker_ctx) -> None:
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self.started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        labels = (self.container.service_name, entrypoint.method_name, entrypoint_kind(entrypoint))
        if started is not None:
            ENTRYPOINT_SECONDS.labels(*labels).observe(time.perf_counter() - started)
        if exc_info is not None:
            expected = isinstance(exc_info[1], getattr(entrypoint, "expected_exceptions", ()))
            ENTRYPOINT_ERRORS.labels(*labels, str(bool(expected)).lower()).inc()
