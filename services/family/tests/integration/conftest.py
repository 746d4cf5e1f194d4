"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``family.events``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chassis.testing.services import EventQueue, dispatcher, service_config
from family.demo import DEMO_IDENTIFIER, add_demo_family
from family.service import FamilyService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@pytest.fixture
def database_url(postgres_database):
    return postgres_database("family", ALEMBIC_INI)


@pytest.fixture
def events(amqp_uri):
    with EventQueue(amqp_uri, "family") as queue:
        yield queue


@pytest.fixture
def container(service_container, amqp_uri, database_url, events):
    """A started family service; the event queue is bound before it publishes anything."""
    return service_container(FamilyService, service_config(amqp_uri, database_url))


@pytest.fixture
def dispatch(amqp_uri):
    """Publish an event on ``<source>.events`` as that service would."""
    return dispatcher(amqp_uri)


@pytest.fixture
def demo(engine):
    """The demo family (identifier 4217, Müller, Hélène or Jean-Pierre) stored in the database."""
    with Session(engine) as session, session.begin():
        add_demo_family(session)
    return DEMO_IDENTIFIER


@pytest.fixture(scope="module")
def module_database_url(postgres_database):
    """One migrated database for a whole module, whose tests each use families of their own."""
    return postgres_database("family", ALEMBIC_INI)


@pytest.fixture(scope="module")
def module_engine(module_database_url):
    engine = create_engine(module_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def module_events(amqp_uri):
    with EventQueue(amqp_uri, "family") as queue:
        yield queue


@pytest.fixture(scope="module")
def module_container(amqp_uri, module_database_url, module_events):
    """The family service started once for the module, its event queue bound first."""
    started = ServiceContainer(FamilyService, service_config(amqp_uri, module_database_url))
    started.start()
    yield started
    started.stop()
