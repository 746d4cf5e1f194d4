"""The operator's command on real PostgreSQL and RabbitMQ: list, show, replay and discard.

A consumer whose handler is broken dead-letters two events; once it is mended, the operator
replays one (its handler gets it, the dead letter is gone) and discards the other. A producer
holds an event set aside for want of a queue; replayed, the relay publishes it and the
consumer handles it. ``python -m chassis.admin`` runs as an operator runs it, in its own
process with the service's settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from marshmallow import fields
from nameko.standalone.events import event_dispatcher
from nameko_amqp_retry import Backoff
from sqlalchemy import String, create_engine, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis import tables
from chassis.database import Database
from chassis.events import handle_event
from chassis.outbox import UNROUTABLE, Outbox
from chassis.testing.fixtures import free_port, wait_until
from contracts.base import Event

PRODUCER = "admin_producer"
CONSUMER = "admin_consumer"
LETTER_SENT = "letter_sent"
BROKEN = {"handler": True}


class LetterSent(Event):
    label = fields.String(required=True)


class ConsumerBase(DeclarativeBase):
    pass


class Delivered(ConsumerBase):
    __tablename__ = "delivered"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))


class ProducerBase(DeclarativeBase):
    pass


tables.install(ConsumerBase.metadata)
tables.install(ProducerBase.metadata)


class OnceBackoff(Backoff):
    schedule = (100,)
    limit = 1


class LetterService:
    name = CONSUMER
    db = Database(ConsumerBase)

    @handle_event(PRODUCER, LETTER_SENT, LetterSent, backoff=OnceBackoff)
    def on_letter_sent(self, session, event: dict) -> None:
        if BROKEN["handler"]:
            raise RuntimeError("the handler is broken")
        session.add(Delivered(label=event["label"]))


class PostService:
    name = PRODUCER
    db = Database(ProducerBase)
    outbox = Outbox()


def event(label: str) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "label": label,
    }


def count(url: str, query: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def delivered(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(select(Delivered.label)).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def databases(postgres_database):
    urls = {}
    for service, base in ((CONSUMER, ConsumerBase), (PRODUCER, ProducerBase)):
        urls[service] = postgres_database(service)
        engine = create_engine(urls[service])
        base.metadata.create_all(engine)
        engine.dispose()
    return urls


@pytest.fixture
def admin(databases, amqp_uri):
    def run(*arguments: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, AMQP_URI=amqp_uri, PORTAL_ENV="development")
        for service, url in databases.items():
            env[f"{service.upper()}_DATABASE_URL"] = url
        command = [sys.executable, "-P", "-m", "chassis.admin", *arguments]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    return run


def test_l_operateur_rejoue_ou_jette_les_lettres_mortes(
    service_container, amqp_uri, databases, admin
):
    url = databases[CONSUMER]
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    BROKEN["handler"] = True
    service_container(LetterService, config)
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    dispatch(PRODUCER, LETTER_SENT, event("à rejouer"))
    dispatch(PRODUCER, LETTER_SENT, event("à jeter"))
    wait_until(lambda: count(url, "select count(*) from dead_letter_events") == 2, timeout=30)

    listing = admin(CONSUMER, "dead-letters", "list")
    assert listing.returncode == 0, listing.stderr
    assert "2 dead-letters" in listing.stdout and "on_letter_sent" in listing.stdout
    ids = {}
    for row in listing.stdout.splitlines()[:-1]:
        row_id = row.split("\t")[0]
        shown = admin(CONSUMER, "dead-letters", "show", row_id)
        assert shown.returncode == 0 and "the handler is broken" in shown.stdout
        ids["à rejouer" if "à rejouer" in shown.stdout else "à jeter"] = row_id

    BROKEN["handler"] = False
    replayed = admin(CONSUMER, "dead-letters", "replay", ids["à rejouer"])
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    wait_until(lambda: delivered(url) == ["à rejouer"], timeout=30)
    discarded = admin(CONSUMER, "dead-letters", "discard", ids["à jeter"])
    assert discarded.returncode == 0, discarded.stdout + discarded.stderr
    assert count(url, "select count(*) from dead_letter_events") == 0
    assert delivered(url) == ["à rejouer"]
    assert admin(CONSUMER, "dead-letters", "show", ids["à jeter"]).returncode == 1


def test_l_operateur_rejoue_un_evenement_mis_de_cote(service_container, amqp_uri, databases, admin):
    BROKEN["handler"] = False
    base = {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    service_container(LetterService, {**base, "DATABASE_URL": databases[CONSUMER]})
    producer = {
        **base,
        "DATABASE_URL": databases[PRODUCER],
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    service_container(PostService, producer)
    payload = event("mise de côté")
    engine = create_engine(databases[PRODUCER])
    with engine.begin() as connection:
        outbox = tables.table(ProducerBase.metadata, tables.OUTBOX)
        now = datetime.now(UTC)
        connection.execute(
            insert(outbox).values(
                event_id=payload["event_id"],
                event_type=LETTER_SENT,
                payload=payload,
                created_at=now,
                published_at=now,
                attempts=12,
                last_error=UNROUTABLE,
            )
        )
    engine.dispose()

    listing = admin(PRODUCER, "set-aside", "list")
    assert listing.returncode == 0 and "1 set-aside" in listing.stdout, listing.stdout
    row_id = listing.stdout.splitlines()[0].split("\t")[0]
    replayed = admin(PRODUCER, "set-aside", "replay", row_id)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    wait_until(lambda: delivered(databases[CONSUMER]) == ["mise de côté"], timeout=30)
    assert admin(PRODUCER, "set-aside", "list").stdout.strip().endswith("0 set-aside")
