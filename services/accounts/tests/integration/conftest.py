"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``accounts.events``;
the ``portal`` fixture calls the service as the gateway would.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from accounts.service import AccountsService
from kombu import Connection, Queue
from nameko.events import get_event_exchange
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, text

from chassis.testing.fixtures import free_port
from contracts.base import example
from contracts.identity import ANONYMOUS

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
PASSWORD = "Tilleul-Platane-Saône-2026"


@pytest.fixture
def database_url(postgres_database):
    return postgres_database("accounts", ALEMBIC_INI)


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


class EventQueue:
    """A queue bound to every event of ``accounts.events``, read with a timeout."""

    def __init__(self, amqp_uri: str) -> None:
        self.connection = Connection(amqp_uri)
        queue = Queue(
            f"test-accounts-events-{uuid.uuid4().hex[:8]}",
            exchange=get_event_exchange("accounts", {}),
            routing_key="#",
            auto_delete=True,
        )
        self.queue = self.connection.SimpleQueue(queue)

    def next(self, event_type: str, timeout: float = 15) -> dict:
        """The payload of the next event of ``event_type`` (others before it are skipped)."""
        while True:
            message = self.queue.get(timeout=timeout)
            message.ack()
            if message.delivery_info["routing_key"] == event_type:
                return message.payload

    def close(self) -> None:
        self.queue.close()
        self.connection.release()


@pytest.fixture
def events(amqp_uri):
    queue = EventQueue(amqp_uri)
    yield queue
    queue.close()


@pytest.fixture
def container(service_container, amqp_uri, database_url, events):
    """A started accounts service; the event queue is bound before it publishes anything."""
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "max_workers": 4,
    }
    return service_container(AccountsService, config)


class Portal:
    """The service as the gateway uses it, plus a look at the database."""

    def __init__(self, container, events, engine) -> None:
        self.container, self.events, self.engine = container, events, engine

    def call(self, method, *args):
        with entrypoint_hook(self.container, method) as hook:
            return hook(*args)

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
