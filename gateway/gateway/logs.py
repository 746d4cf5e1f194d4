"""JSON logs: one line per record, one access line per request, all with the correlation id.

The line's shape is the portal's own, shared with the services (:mod:`contracts.logs`).

Log collectors read one JSON object per line; the correlation id lets an operator follow a
request from the gateway into every service it called (see ``gateway.rpc.bind_context``).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

from contracts.logs import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

access_log = logging.getLogger("gateway.access")


class CorrelationFilter(logging.Filter):
    """Adds the current request's correlation id to records logged during that request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id") and has_request_context():
            record.correlation_id = g.get("correlation_id")
        return True


def configure() -> None:
    """Send the ``gateway`` loggers to stderr as JSON (once, however many apps are built)."""
    logger = logging.getLogger("gateway")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(CorrelationFilter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Give each request a correlation id, echo it, and log the request once."""
    app.before_request(_start_request)
    app.after_request(_finish_request)


def _start_request() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.correlation_id = incoming if SANE_REQUEST_ID.match(incoming) else str(uuid.uuid4())


def _finish_request(response: Response) -> Response:
    correlation_id = g.get("correlation_id") or str(uuid.uuid4())
    response.headers[REQUEST_ID_HEADER] = correlation_id
    started = g.get("started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    access_log.info(
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "correlation_id": correlation_id,
        },
    )
    return response
