"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``requests.events``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chassis.testing.services import EventQueue, dispatcher, service_config
from requests_service.service import RequestsService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@pytest.fixture
def database_url(postgres_database):
    return postgres_database("requests", ALEMBIC_INI)


@pytest.fixture
def events(amqp_uri):
    with EventQueue(amqp_uri, "requests") as queue:
        yield queue


@pytest.fixture
def container(service_container, amqp_uri, database_url, events):
    """A started requests service; the event queue is bound before it publishes anything."""
    return service_container(RequestsService, service_config(amqp_uri, database_url))


@pytest.fixture
def dispatch(amqp_uri):
    """Publish an event on ``<source>.events`` as that service would."""
    return dispatcher(amqp_uri)


@pytest.fixture(scope="module")
def module_database_url(postgres_database):
    """One migrated database for a whole test module (tests that share a started service)."""
    return postgres_database("requests", ALEMBIC_INI)


@pytest.fixture(scope="module")
def module_events(amqp_uri):
    """The service's events, for a whole test module; bound before the service starts."""
    with EventQueue(amqp_uri, "requests") as queue:
        yield queue
