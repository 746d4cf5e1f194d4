"""The shape of a log line, the same in every component: one JSON object per line.

Log collectors, and an operator following one request from the gateway into every service
by its correlation id, read these keys: ``time`` (UTC, ISO 8601, milliseconds), ``level``,
``logger``, ``message``, ``correlation_id`` when one is known, each field passed with
``extra=``, and ``exception``. The gateway formats its records with :class:`JsonFormatter`;
the services with :class:`chassis.logging.JsonFormatter`, which also finds the id of the
nameko worker that is running.

It lives here, with the other shapes that cross a process boundary, because the gateway
needs it too and depends on ``contracts`` but not on ``chassis`` (whose database and
broker plumbing the gateway must not carry).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged too.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with any ``extra=`` fields as keys."""

    def correlation_id(self, record: logging.LogRecord) -> str | None:
        """The id of the request the record belongs to; components may look further."""
        return getattr(record, "correlation_id", None)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation_id = self.correlation_id(record)
        if correlation_id:
            entry["correlation_id"] = correlation_id
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
