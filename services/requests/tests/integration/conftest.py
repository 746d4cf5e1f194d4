"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``requests.events``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chassis.testing.fixtures import MigratedDatabase
from chassis.testing.services import EventQueue, dispatcher, service_config
from requests_service.service import RequestsService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@pytest.fixture(scope="module")
def migrated(postgres_database):
    return MigratedDatabase(postgres_database("requests", ALEMBIC_INI))


@pytest.fixture
def database_url(migrated):
    """The module's database, as freshly migrated for each test."""
    migrated.reset()
    return migrated.url


@pytest.fixture
def events(amqp_uri):
    with EventQueue(amqp_uri, "requests") as queue:
        yield queue


@pytest.fixture(scope="module")
def started(module_service_container, amqp_uri, migrated):
    """The requests service, started once for the module."""
    return module_service_container(RequestsService, service_config(amqp_uri, migrated.url))


@pytest.fixture
def container(started, database_url, events):
    """The started service on a database as freshly migrated; the test's event queue is bound
    before it publishes anything."""
    return started


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
