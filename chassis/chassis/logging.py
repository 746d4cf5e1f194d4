"""JSON logs that carry the correlation id from the gateway through RPC and events.

``config.yml`` of a service::

    LOGGING:
      version: 1
      formatters: {json: {(): chassis.logging.JsonFormatter}}
      handlers: {console: {class: logging.StreamHandler, formatter: json}}
      root: {level: INFO, handlers: [console]}

and the service declares ``correlation = Correlation()`` so each worker's log lines carry the
``correlation_id`` the gateway put in nameko's context data.
"""

from __future__ import annotations

import contextvars
import logging
import time

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from contracts import logs

log = logging.getLogger("chassis.worker")

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def lighten_log_records() -> None:
    """Stop stamping log records with what the JSON line never shows.

    :data:`contracts.logs.STANDARD_ATTRIBUTES` leaves out a record's thread and process
    names and the file, line and function of its call, yet logging looked them up for every
    record: under eventlet the green ``threading.current_thread()`` for the thread name, and a
    walk up the stack for the caller. Both are logging's documented switches ("Optimization"
    in the logging HOWTO); they took 50 of the 140 µs of CPU of a worker's log line
    (``bench/README.md``). Called once at a service's start (``chassis.run``).
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None


class JsonFormatter(logs.JsonFormatter):
    """The portal's log line (:mod:`contracts.logs`), with the running worker's correlation id."""

    def correlation_id(self, record: logging.LogRecord) -> str | None:
        return super().correlation_id(record) or correlation_id.get()


class Correlation(DependencyProvider):
    """Sets the log correlation id for each worker, and logs one line when it ends.

    The line names the entrypoint, its duration and its outcome, so every RPC and event
    handled leaves a trace carrying the id of the gateway request that caused it (timers,
    which tick every second, log at DEBUG).
    """

    def setup(self) -> None:
        self._started: dict = {}

    def worker_setup(self, worker_ctx) -> None:
        cid = worker_ctx.data.get("correlation_id") or worker_ctx.call_id
        worker_ctx.data.setdefault("correlation_id", cid)
        correlation_id.set(cid)
        self._started[worker_ctx] = time.monotonic()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        level = logging.DEBUG if isinstance(entrypoint, Timer) else logging.INFO
        extra = {
            "entrypoint": f"{self.container.service_name}.{entrypoint.method_name}",
            "outcome": "ok" if exc_info is None else type(exc_info[1]).__name__,
        }
        if started is not None:
            extra["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        log.log(level, "worker done", extra=extra)

    def worker_teardown(self, worker_ctx) -> None:
        self._started.pop(worker_ctx, None)
        correlation_id.set(None)

    def get_dependency(self, worker_ctx) -> str | None:
        return worker_ctx.data.get("correlation_id")
