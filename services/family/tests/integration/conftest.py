"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
gets a freshly migrated database; events are read from a queue bound to ``family.events``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chassis.testing.fixtures import MigratedDatabase
from chassis.testing.services import EventQueue, dispatcher, service_config
from family import enrolment_service
from family.demo import DEMO_IDENTIFIER, add_demo_family, demo_family
from family.repository import Families
from family.service import FamilyService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@pytest.fixture(scope="module")
def migrated(postgres_database):
    return MigratedDatabase(postgres_database("family", ALEMBIC_INI))


@pytest.fixture
def database_url(migrated):
    """The module's database, as freshly migrated for each test."""
    migrated.reset()
    return migrated.url


@pytest.fixture
def events(amqp_uri):
    with EventQueue(amqp_uri, "family") as queue:
        yield queue


@pytest.fixture(scope="module")
def started(module_service_container, amqp_uri, migrated):
    """The family service, started once for the module."""
    return module_service_container(FamilyService, service_config(amqp_uri, migrated.url))


@pytest.fixture
def container(started, database_url, events):
    """The started service on a database as freshly migrated; the test's event queue is bound
    before it publishes anything."""
    return started


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


# Module-scoped variants for the activity tests: one database, one event queue and one
# started service per test module, on a clock fixed at ``ACTIVITY_NOW``.

ACTIVITY_NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
"""Monday 4 January 2027, 10:00 in Paris: the first school day after Christmas."""


@pytest.fixture(scope="module")
def activity_database(postgres_database):
    return postgres_database("family", ALEMBIC_INI)


@pytest.fixture(scope="module")
def activity_engine(activity_database):
    engine = create_engine(activity_database)
    with Session(engine) as session, session.begin():
        add_demo_family(session)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def activity_events(amqp_uri):
    with EventQueue(amqp_uri, "family") as queue:
        yield queue


@pytest.fixture(scope="module")
def activity_service(amqp_uri, activity_engine, activity_database, activity_events):
    """The family service with its clock at ``ACTIVITY_NOW``, started once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enrolment_service, "utcnow", lambda: ACTIVITY_NOW)
        config = service_config(amqp_uri, activity_database, max_workers=10)
        container = ServiceContainer(FamilyService, config)
        container.start()
        yield container
        container.stop()


@pytest.fixture(scope="module")
def linked_family(activity_engine):
    """``make(identifier, school=..., born=...)`` stores a family of one parent and one child,
    links a new account to it, and returns (the parent's caller, the child's id)."""

    def make(identifier: str, school: str | None = "École élémentaire Jean Moulin", born=None):
        account_id = str(uuid.uuid4())
        family = demo_family(identifier)
        family.children = family.children[:1]
        family.children[0].school = school
        family.children[0].birth_date = born or family.children[0].birth_date
        with Session(activity_engine) as session, session.begin():
            Families(session).add(family)
            Families(session).add_link(family, account_id, ACTIVITY_NOW)
            child_id = family.children[0].id
        return {"account_id": account_id, "roles": [], "family_ids": [identifier]}, child_id

    return make
