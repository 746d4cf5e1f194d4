"""A service refuses to start on settings it cannot trust, and starts without noise.

Each test runs ``python -m chassis.run`` (what the Procfile, the e2e stack and the images run)
or a plain interpreter as a child process, with the environment an operator would set.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from amqp.abstract_channel import IGNORED_METHOD_DURING_CHANNEL_CLOSE

from chassis import config
from chassis.logging import JsonFormatter, correlation_id, lighten_log_records
from chassis.run import ClosingChannelNoise, ExpectedErrorTraceback

SERVICE_DIR = Path(__file__).resolve().parents[3] / "services" / "requests"
START = [sys.executable, "-P", "-m", "chassis.run", "--config", "config.yml"]


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("PORTAL_ENV", "AMQP_URI")}
    return subprocess.run(
        command, cwd=SERVICE_DIR, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("portal_env", ["prod", "Production", "staging", "developpement"])
def test_a_service_refuses_an_unknown_portal_env(portal_env):
    started = run([*START, "requests_service.service"], PORTAL_ENV=portal_env)
    assert started.returncode == 2, started.stderr
    assert f"PORTAL_ENV must be one of development, production, not {portal_env!r}" in (
        started.stderr
    )
    assert "Traceback" not in started.stderr


def test_a_production_service_refuses_to_start_without_amqp_uri():
    started = run(
        [*START, "requests_service.service"],
        PORTAL_ENV="production",
        REQUESTS_DATABASE_URL="postgresql+psycopg2://requests@db/requests",
    )
    assert started.returncode == 2, started.stderr
    assert "AMQP_URI must be set when PORTAL_ENV=production" in started.stderr
    assert "Traceback" not in started.stderr


def test_every_setting_read_refuses_an_unknown_portal_env(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "prod")
    monkeypatch.setenv("REQUESTS_DATABASE_URL", "postgresql+psycopg2://requests@db/requests")
    with pytest.raises(config.SettingError, match="PORTAL_ENV"):
        config.database_url("requests")


def test_development_is_the_default_and_production_is_named_exactly(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    assert config.environment() == "development"
    monkeypatch.setenv("PORTAL_ENV", " production ")
    assert config.is_production()


def test_importing_chassis_silences_the_eventlet_banner_and_nothing_else():
    plain = run([sys.executable, "-P", "-W", "default", "-c", "import eventlet"])
    assert "Eventlet is deprecated" in plain.stderr  # the banner this test is about
    quiet = run(
        [
            sys.executable,
            "-P",
            "-W",
            "default",
            "-c",
            "import chassis, eventlet, warnings; warnings.warn('autre avertissement')",
        ]
    )
    assert "Eventlet is deprecated" not in quiet.stderr
    assert "autre avertissement" in quiet.stderr


def test_the_amqp_filter_drops_only_the_closing_channel_warning():
    noise = logging.LogRecord(
        "amqp", logging.WARNING, "", 0, IGNORED_METHOD_DURING_CHANNEL_CLOSE, ((60, 80), 1), None
    )
    other = logging.LogRecord("amqp", logging.WARNING, "", 0, "Connection lost", None, None)
    assert not ClosingChannelNoise().filter(noise)
    assert ClosingChannelNoise().filter(other)


def test_a_declared_caller_error_is_one_info_line_without_traceback():
    try:
        raise ValueError("Clé de suivi incorrecte.")
    except ValueError:
        exc_info = sys.exc_info()
    message = "(expected) error handling worker %s: %s"
    expected = logging.LogRecord(
        "nameko.containers", logging.WARNING, "", 0, message, ("w", "e"), exc_info
    )
    crash = logging.LogRecord(
        "nameko.containers",
        logging.ERROR,
        "",
        0,
        "error handling worker %s: %s",
        ("w", "e"),
        exc_info,
    )
    assert ExpectedErrorTraceback().filter(expected) and ExpectedErrorTraceback().filter(crash)
    assert (expected.levelname, expected.exc_info) == ("INFO", None)
    assert crash.exc_info is exc_info and crash.levelname == "ERROR"


def test_lightened_log_records_give_the_same_json_line(monkeypatch):
    def line() -> dict:
        logger = logging.getLogger("chassis.worker")
        record = logger.makeRecord(
            logger.name, logging.INFO, "", 0, "worker done", None, None, extra={"outcome": "ok"}
        )
        correlation_id.set("requete-1")
        try:
            entry = json.loads(JsonFormatter().format(record))
        finally:
            correlation_id.set(None)
        return {key: value for key, value in entry.items() if key != "time"}

    before = line()
    for switch in ("logThreads", "logProcesses", "logMultiprocessing", "_srcfile"):
        monkeypatch.setattr(logging, switch, getattr(logging, switch))
    lighten_log_records()
    assert (logging.logThreads, logging._srcfile) == (False, None)
    assert (
        line()
        == before
        == {
            "level": "INFO",
            "logger": "chassis.worker",
            "message": "worker done",
            "correlation_id": "requete-1",
            "outcome": "ok",
        }
    )
