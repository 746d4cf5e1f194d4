"""Integration tier: the service in-process with real PostgreSQL, RabbitMQ and an SMTP server.

The SMTP server is aiosmtpd in a child process writing to a maildir, so a test can start it
late (to play an SMTP outage) and count exactly what arrived.
"""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from chassis.testing.fixtures import free_port, wait_until
from chassis.testing.services import dispatcher, service_config
from contracts.base import example
from notifications.service import NotificationsService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


class SmtpSink:
    """aiosmtpd on ``port``, storing every message it accepts in a maildir."""

    def __init__(self, port: int, maildir: Path) -> None:
        self.port = port
        self.maildir = maildir
        self.process: subprocess.Popen | None = None

    def start(self) -> SmtpSink:
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}"]
        command += ["-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)]
        self.process = subprocess.Popen(command)
        wait_until(self._listening, message=f"SMTP server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def messages(self) -> list:
        return list(mailbox.Maildir(self.maildir)) if self.maildir.exists() else []

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0


@pytest.fixture
def smtp(tmp_path):
    """An SMTP server, not started: call ``start()`` (the port is reserved for it)."""
    sink = SmtpSink(free_port(), tmp_path / "maildir")
    yield sink
    sink.stop()


@pytest.fixture
def database_url(postgres_database):
    return postgres_database("notifications", ALEMBIC_INI)


@pytest.fixture
def container(service_container, amqp_uri, database_url, smtp):
    config = service_config(
        amqp_uri,
        database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        GATEWAY_PUBLIC_URL="https://portail.example.org",
    )
    return service_container(NotificationsService, config)


@pytest.fixture
def dispatch(amqp_uri):
    """Publish an event on ``<source>.events`` as that service would (``requests`` by default)."""
    publish = dispatcher(amqp_uri)

    def dispatch(event_type: str, payload: dict, source: str = "requests") -> None:
        publish(source, event_type, payload)

    return dispatch


@pytest.fixture
def report_submitted():
    """The golden ``report_submitted`` event, with an event id of its own."""
    return {**example("report_submitted"), "event_id": str(uuid.uuid4())}
