"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``requests.events``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from kombu import Connection, Queue
from nameko.events import get_event_exchange
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine

from chassis.testing.fixtures import free_port
from requests_service.service import RequestsService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def call(container, method, *args):
    """Call one RPC method of the running service in-process."""
    with entrypoint_hook(container, method) as hook:
        return hook(*args)


@pytest.fixture
def database_url(postgres_database):
    return postgres_database("requests", ALEMBIC_INI)


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


class EventQueue:
    """A queue bound to every event of ``requests.events``, read with a timeout."""

    def __init__(self, amqp_uri: str) -> None:
        self.connection = Connection(amqp_uri)
        queue = Queue(
            f"test-requests-events-{uuid.uuid4().hex[:8]}",
            exchange=get_event_exchange("requests", {}),
            routing_key="#",
            auto_delete=True,
        )
        self.queue = self.connection.SimpleQueue(queue)

    def next(self, timeout: float = 15) -> tuple[str, dict]:
        """The next event as (type, payload)."""
        message = self.queue.get(timeout=timeout)
        message.ack()
        return message.delivery_info["routing_key"], message.payload

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
    """A started requests service; the event queue is bound before it publishes anything."""
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "max_workers": 4,
    }
    return service_container(RequestsService, config)


@pytest.fixture
def dispatch(amqp_uri):
    """Publish an event on ``<source>.events`` as that service would."""
    publish = event_dispatcher({"AMQP_URI": amqp_uri}, mandatory=True)
    return lambda source, event_type, payload: publish(source, event_type, payload)
