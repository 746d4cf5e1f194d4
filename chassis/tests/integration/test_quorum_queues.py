"""Event handlers on quorum queues: handled, retried and dead-lettered on the real RabbitMQ.

The chassis declares every durable event handler queue as a quorum queue (replicated over a
RabbitMQ cluster's majority). A consumer service here handles an event, retries one that
fails once until it succeeds, and dead-letters one that always fails, all through its
quorum queue; ``rabbitmqctl`` tells the queue's type as the broker sees it.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
from marshmallow import fields
from nameko.standalone.events import event_dispatcher
from nameko_amqp_retry import Backoff
from sqlalchemy import String, create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis import tables
from chassis.database import Database
from chassis.events import handle_event
from chassis.testing.fixtures import free_port, wait_until
from contracts.base import Event

PRODUCER = "quorum_producer"
PARCEL_SENT = "parcel_sent"
FAILURES: dict[str, int] = {}


class ParcelSent(Event):
    label = fields.String(required=True)


class Base(DeclarativeBase):
    pass


class Received(Base):
    __tablename__ = "received"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))


tables.install(Base.metadata)


class QuickBackoff(Backoff):
    schedule = (200,)
    limit = 2


class ParcelService:
    name = "quorum_consumer"
    db = Database(Base)

    @handle_event(PRODUCER, PARCEL_SENT, ParcelSent, backoff=QuickBackoff)
    def on_parcel_sent(self, session, event: dict) -> None:
        label = event["label"]
        if label == "toujours en échec" or (
            label == "échoue une fois" and FAILURES.setdefault(label, 0) < 1
        ):
            FAILURES[label] = FAILURES.get(label, 0) + 1
            raise RuntimeError(f"handler failure for {label}")
        session.add(Received(label=label))


def queue_types(vhost: str) -> dict[str, str]:
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type", "--formatter", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {queue["name"]: queue["type"] for queue in json.loads(listing.stdout)}


def scalar(url: str, query: str):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar()
    finally:
        engine.dispose()


def labels(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(select(Received.label)).scalars())
    finally:
        engine.dispose()


def event(label: str) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "label": label,
    }


@pytest.fixture
def database(postgres_database):
    url = postgres_database("quorum")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def test_les_files_d_evenements_sont_des_files_quorum_qui_relancent_et_mettent_de_cote(
    service_container, amqp_uri, database
):
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    service_container(ParcelService, config)
    queue = f"evt-{PRODUCER}-{PARCEL_SENT}--quorum_consumer.on_parcel_sent"
    vhost = amqp_uri.rsplit("/", 1)[1]
    types = queue_types(vhost)
    assert types[queue] == "quorum"

    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    dispatch(PRODUCER, PARCEL_SENT, event("du premier coup"))
    dispatch(PRODUCER, PARCEL_SENT, event("échoue une fois"))
    dispatch(PRODUCER, PARCEL_SENT, event("toujours en échec"))

    wait_until(lambda: labels(database) == ["du premier coup", "échoue une fois"], timeout=30)
    dead = "select count(*) from dead_letter_events where payload->>'label' = 'toujours en échec'"
    wait_until(lambda: scalar(database, dead) == 1, timeout=30)
    assert FAILURES == {"échoue une fois": 1, "toujours en échec": 3}
    assert scalar(database, "select count(*) from processed_events") == 2
