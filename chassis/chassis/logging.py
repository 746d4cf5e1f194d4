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
import json
import logging
from datetime import UTC, datetime

from nameko.extensions import DependencyProvider

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = getattr(record, "correlation_id", None) or correlation_id.get()
        if cid:
            entry["correlation_id"] = cid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class Correlation(DependencyProvider):
    """Sets the log correlation id for the duration of each worker."""

    def worker_setup(self, worker_ctx) -> None:
        cid = worker_ctx.data.get("correlation_id") or worker_ctx.call_id
        worker_ctx.data.setdefault("correlation_id", cid)
        correlation_id.set(cid)

    def worker_teardown(self, worker_ctx) -> None:
        correlation_id.set(None)

    def get_dependency(self, worker_ctx) -> str | None:
        return worker_ctx.data.get("correlation_id")
