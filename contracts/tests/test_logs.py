"""One log line shape for every component (contracts.logs)."""

from __future__ import annotations

import json
import logging
import sys

from contracts.logs import JsonFormatter


def record(**extra) -> logging.LogRecord:
    fields = {"name": "portail.test", "levelname": "WARNING", "msg": "relais %s", "args": ("lent",)}
    return logging.makeLogRecord({**fields, **extra})


def test_a_line_has_the_shared_keys_and_the_extra_fields():
    line = json.loads(JsonFormatter().format(record(correlation_id="req-1", duration_ms=12.5)))
    assert line["message"] == "relais lent" and line["level"] == "WARNING"
    assert line["logger"] == "portail.test" and line["time"].endswith("+00:00")
    assert line["correlation_id"] == "req-1" and line["duration_ms"] == 12.5


def test_no_correlation_key_without_an_id_and_the_exception_is_kept():
    try:
        raise ValueError("boum")
    except ValueError:
        line = json.loads(JsonFormatter().format(record(exc_info=sys.exc_info())))
    assert "correlation_id" not in line
    assert "ValueError: boum" in line["exception"]
