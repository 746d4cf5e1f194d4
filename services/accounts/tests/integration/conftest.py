"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``accounts.events``;
the ``portal`` fixture calls the service as the gateway would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from accounts.service import AccountsService
from sqlalchemy import text

from chassis.testing import services
from chassis.testing.fixtures import MigratedDatabase
from chassis.testing.services import call, service_config
from contracts.base import example
from contracts.identity import ANONYMOUS

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
PASSWORD = "Tilleul-Platane-Saône-2026"


@pytest.fixture(scope="module")
def migrated(postgres_database):
    return MigratedDatabase(postgres_database("accounts", ALEMBIC_INI))


@pytest.fixture
def database_url(migrated):
    """The module's database, as freshly migrated for each test."""
    migrated.reset()
    return migrated.url


class EventQueue(services.EventQueue):
    """The events of ``accounts.events``; these tests read them by type."""

    def next(self, event_type: str, timeout: float = 15) -> dict:
        """The payload of the next event of ``event_type`` (others before it are skipped)."""
        return self.next_of(event_type, timeout)


@pytest.fixture
def events(amqp_uri):
    with EventQueue(amqp_uri, "accounts") as queue:
        yield queue


@pytest.fixture(scope="module")
def started(module_service_container, amqp_uri, migrated):
    """The accounts service, started once for the module."""
    return module_service_container(AccountsService, service_config(amqp_uri, migrated.url))


@pytest.fixture
def container(started, database_url, events):
    """The started service on a database as freshly migrated; the test's event queue is bound
    before it publishes anything."""
    return started


class Portal:
    """The service as the gateway uses it, plus a look at the database."""

    def __init__(self, container, events, engine) -> None:
        self.container, self.events, self.engine = container, events, engine

    def call(self, method, *args):
        return call(self.container, method, *args)

    def sql(self, statement: str, **params):
        with self.engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return result.all() if result.returns_rows else None

    def count(self, table: str) -> int:
        return self.sql(f"SELECT count(*) FROM {table}")[0][0]

    def register(self, email: str = "camille.martin@example.org", **changes) -> str:
        """Register; returns the verification token of the e-mail that follows."""
        self.call("register", ANONYMOUS, {**example("register"), "email": email, **changes})
        return self.events.next("account_registered")["verification_token"]

    def login(self, email="camille.martin@example.org", password=PASSWORD, ip="192.0.2.1"):
        payload = {"email": email, "password": password, "client_ip": ip}
        return self.call("login", ANONYMOUS, payload)

    def citizen(self, email: str = "camille.martin@example.org") -> dict:
        """A registered, confirmed and logged-in citizen: the ``SessionOpened`` answer."""
        self.call("verify_email", ANONYMOUS, self.register(email))
        return self.login(email)


@pytest.fixture
def portal(container, events, engine):
    return Portal(container, events, engine)


def caller_of(opened: dict) -> dict:
    """The RPC caller the gateway builds from a session."""
    who = opened["identity"]
    return {"account_id": who["account_id"], "roles": who["roles"], "family_id": None}


@pytest.fixture
def as_caller():
    return caller_of
