"""Integration tier: the service in-process against real PostgreSQL and RabbitMQ.

Run with ``pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures``. Each test
module gets one freshly migrated database and one running service (module-scoped fixtures);
tests create their own invoices, so they do not depend on each other's order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from billing import books
from billing.demo import demo_bill
from billing.models import Base
from billing.service import BillingService
from nameko.containers import ServiceContainer
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from chassis import tables
from chassis.testing.services import EventQueue, dispatcher, service_config
from chassis.types import utcnow
from contracts import family

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
PUBLIC_URL = "http://portail.test"
SYSTEMPAY = {
    "PAYMENT_PROVIDER": "systempay",
    "PAYMENT_SYSTEMPAY_SITE_ID": "87654321",
    "PAYMENT_SYSTEMPAY_KEY": "cle-des-tests-d-integration",
    "PAYMENT_SYSTEMPAY_MODE": "TEST",
    "PAYMENT_SYSTEMPAY_URL": "http://simulateur.test/vads-payment/",
    "GATEWAY_PUBLIC_URL": PUBLIC_URL,
}


@pytest.fixture(scope="module")
def database_url(postgres_database) -> str:
    return postgres_database("billing", ALEMBIC_INI)


@pytest.fixture(scope="module")
def db(database_url) -> Iterator[Engine]:
    """An engine to look at, or seed, the service's tables."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def events(amqp_uri) -> Iterator[EventQueue]:
    with EventQueue(amqp_uri, "billing") as queue:
        yield queue


def running_billing(amqp_uri: str, database_url: str) -> Iterator[ServiceContainer]:
    started = ServiceContainer(BillingService, service_config(amqp_uri, database_url, **SYSTEMPAY))
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def container(amqp_uri, database_url, events) -> Iterator[ServiceContainer]:
    """One billing service for the module; the event queue is bound before it publishes."""
    yield from running_billing(amqp_uri, database_url)


@pytest.fixture(scope="module")
def second_replica(amqp_uri, database_url, container) -> Iterator[ServiceContainer]:
    """Another billing replica on the same database and broker, as in production."""
    yield from running_billing(amqp_uri, database_url)


@pytest.fixture(scope="module")
def handled(db):
    """``handled(*events)``: True once the service recorded every one of them as processed."""
    processed = tables.table(Base.metadata, tables.PROCESSED)

    def all_processed(*events: dict) -> bool:
        ids = {event["event_id"] for event in events}
        with Session(db) as session:
            query = select(processed.c.event_id).where(processed.c.event_id.in_(ids))
            return len(session.scalars(query).all()) == len(ids)

    return all_processed


@pytest.fixture(scope="module")
def dispatch(amqp_uri):
    """Publish an event on ``<source>.events`` as that service would."""
    return dispatcher(amqp_uri)


@pytest.fixture(scope="module")
def issue_invoice(db):
    """``issue_invoice(family_id, **changes)``: a demo-shaped invoice (an account's, given
    ``family_id=None`` and ``account_id``); returns its id."""

    def issue(family_id: str | None = "4217", **changes) -> str:
        now = utcnow()
        fields = {**demo_bill(now.date(), family_id).__dict__, **changes}
        with Session(db) as session, session.begin():
            invoice, _ = books.issue(session, books.Bill(**fields), now)
            return invoice.id

    return issue


@pytest.fixture(scope="module")
def link(dispatch):
    """``link(family_id, account_id)``: the family service links an account to a family."""

    def publish(family_id: str, account_id: str) -> None:
        event = {"event_id": str(uuid.uuid4()), "occurred_at": utcnow().isoformat()}
        event.update(family_id=family_id, account_id=account_id)
        dispatch(family.SERVICE, family.FAMILY_SPACE_ACTIVATED, event)

    return publish
