"""Outbox, relay and idempotent handlers on real PostgreSQL and RabbitMQ.

Two small services exercise the chassis the way real services do.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection, Exchange, Queue
from marshmallow import fields
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher as standalone_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy, ServiceRpcProxy
from nameko_amqp_retry import Backoff
from sqlalchemy import String, create_engine, make_url, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis import tables
from chassis.database import Database, Sessions
from chassis.events import _run_once, handle_event
from chassis.health import Health
from chassis.logging import Correlation
from chassis.outbox import Outbox
from chassis.testing.fixtures import create_vhost, delete_vhost, free_port, wait_until
from chassis.testing.proxy import ProxyProcess
from contracts import publishing
from contracts.base import Event
from contracts.publishing import use_kept_publishers

PRODUCER = "chassis_producer"
THING_CREATED = "thing_created"


class ThingCreated(Event):
    thing_id = fields.Integer(required=True)
    name = fields.String(required=True)


class ProducerBase(DeclarativeBase):
    pass


class Thing(ProducerBase):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


tables.install(ProducerBase.metadata)


class ConsumerBase(DeclarativeBase):
    pass


class Seen(ConsumerBase):
    __tablename__ = "seen"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(100))


tables.install(ConsumerBase.metadata)


class QuickBackoff(Backoff):
    schedule = (200,)
    limit = 2


class ProducerService(Health):
    name = PRODUCER
    db = Database(ProducerBase)
    outbox = Outbox()
    correlation = Correlation()

    @rpc
    def create(self, name: str) -> int:
        with self.db.session() as session:
            thing = Thing(name=name)
            session.add(thing)
            session.flush()
            self.outbox.add(
                session, THING_CREATED, ThingCreated(), {"thing_id": thing.id, "name": name}
            )
        return thing.id

    @rpc
    def create_then_fail(self, name: str) -> None:
        with self.db.session() as session:
            session.add(Thing(name=name))
            self.outbox.add(session, THING_CREATED, ThingCreated(), {"thing_id": 0, "name": name})
            raise ValueError("rolled back")


class ConsumerService:
    name = "chassis_consumer"
    db = Database(ConsumerBase)
    correlation = Correlation()

    @handle_event(PRODUCER, THING_CREATED, ThingCreated, backoff=QuickBackoff)
    def on_thing_created(self, session, event: dict) -> None:
        if event["name"] == "boom":
            raise RuntimeError("this handler always fails on boom")
        session.add(Seen(event_id=str(event["event_id"]), name=event["name"]))


def scalar(url: str, query: str):
    engine = create_engine(url)
    with engine.connect() as connection:
        value = connection.execute(text(query)).scalar()
    engine.dispose()
    return value


@pytest.fixture
def databases(postgres_database):
    producer, consumer = postgres_database("producer"), postgres_database("consumer")
    for url, base in ((producer, ProducerBase), (consumer, ConsumerBase)):
        engine = create_engine(url)
        base.metadata.create_all(engine)
        engine.dispose()
    return producer, consumer


@pytest.fixture
def start(service_container, amqp_uri, databases):
    producer_url, consumer_url = databases

    def start_service(cls, **extra):
        url = producer_url if cls is ProducerService else consumer_url
        config = {
            "AMQP_URI": amqp_uri,
            "DATABASE_URL": url,
            "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
            **extra,
        }
        return service_container(cls, config)

    return start_service


def seen_names(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        names = list(connection.execute(select(Seen.name).order_by(Seen.id)).scalars())
    engine.dispose()
    return names


def test_event_is_published_after_commit_and_handled_once(start, amqp_uri, databases):
    producer_url, consumer_url = databases
    start(ConsumerService)
    start(ProducerService)
    with ServiceRpcProxy(PRODUCER, {"AMQP_URI": amqp_uri}, timeout=10) as producer:
        producer.create("lampadaire")
    assert wait_until(lambda: seen_names(consumer_url) == ["lampadaire"])
    assert (
        scalar(producer_url, "select count(*) from outbox_events where published_at is null") == 0
    )


def test_rolled_back_change_publishes_nothing(start, amqp_uri, databases):
    producer_url, consumer_url = databases
    start(ConsumerService)
    start(ProducerService)
    with ServiceRpcProxy(PRODUCER, {"AMQP_URI": amqp_uri}, timeout=10) as producer:
        with pytest.raises(RemoteError):
            producer.create_then_fail("jamais")
        producer.create("ensuite")
    wait_until(lambda: seen_names(consumer_url) == ["ensuite"])
    assert scalar(producer_url, "select count(*) from things") == 1
    assert scalar(producer_url, "select count(*) from outbox_events") == 1


def event(name: str, event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "thing_id": 1,
        "name": name,
    }


def test_redelivered_event_has_no_second_effect(start, amqp_uri, databases):
    _, consumer_url = databases
    start(ConsumerService)
    dispatch = standalone_dispatcher({"AMQP_URI": amqp_uri})
    payload = event("deux fois")
    dispatch(PRODUCER, THING_CREATED, payload)
    dispatch(PRODUCER, THING_CREATED, payload)
    dispatch(PRODUCER, THING_CREATED, event("témoin"))
    wait_until(lambda: "témoin" in seen_names(consumer_url))
    time.sleep(0.5)
    assert sorted(seen_names(consumer_url)) == ["deux fois", "témoin"]


def test_failing_handler_is_retried_then_dead_lettered(start, amqp_uri, databases):
    _, consumer_url = databases
    start(ConsumerService)
    dispatch = standalone_dispatcher({"AMQP_URI": amqp_uri})
    dispatch(PRODUCER, THING_CREATED, event("boom"))
    dispatch(PRODUCER, THING_CREATED, {"event_id": "pas-un-uuid", "name": 3})
    query = "select count(*) from dead_letter_events"
    wait_until(lambda: scalar(consumer_url, query) == 2, timeout=20)
    assert scalar(consumer_url, "select count(*) from seen") == 0
    assert scalar(consumer_url, "select count(*) from processed_events") == 0


def test_event_is_not_acknowledged_until_its_dead_letter_is_stored(
    start, amqp_uri, databases, caplog
):
    """The database is down when the last retry fails: the event waits in RabbitMQ, and is
    dead-lettered once the database answers again (before, it was acked and only logged)."""
    _, consumer_url = databases
    url = make_url(consumer_url)
    proxy = ProxyProcess((url.host, url.port or 5432))
    try:
        through_proxy = url.set(host="127.0.0.1", port=proxy.port)
        start(
            ConsumerService,
            DATABASE_URL=through_proxy.render_as_string(hide_password=False),
            DEAD_LETTER_RETRY_SECONDS=0.5,
        )
        proxy.cut()
        standalone_dispatcher({"AMQP_URI": amqp_uri})(PRODUCER, THING_CREATED, event("boom"))

        def dead_letter_failed() -> bool:
            return any(
                r.name == "chassis.events" and r.levelno >= logging.ERROR for r in caplog.records
            )

        wait_until(dead_letter_failed, timeout=20, message="a dead letter refused by the database")
        assert scalar(consumer_url, "select count(*) from dead_letter_events") == 0
        proxy.restore()
        query = "select count(*) from dead_letter_events"
        wait_until(lambda: scalar(consumer_url, query) == 1, timeout=30)
    finally:
        proxy.close()


def test_events_wait_in_the_outbox_while_the_broker_link_is_cut(start, amqp_uri, databases):
    producer_url, consumer_url = databases
    host, _vhost = amqp_uri.split("@", 1)[1].split("/", 1)
    proxy = ProxyProcess((host.split(":")[0], int(host.split(":")[1])))
    try:
        start(ConsumerService)
        start(ProducerService, OUTBOX_AMQP_URI=amqp_uri.replace(host, f"127.0.0.1:{proxy.port}"))
        with ServiceRpcProxy(PRODUCER, {"AMQP_URI": amqp_uri}, timeout=10) as producer:
            producer.create("avant")
            wait_until(lambda: seen_names(consumer_url) == ["avant"])
            proxy.cut()
            for number in range(5):
                producer.create(f"pendant {number}")
            pending = (
                "select count(*) from outbox_events where published_at is null and attempts > 0"
            )
            wait_until(lambda: scalar(producer_url, pending) >= 1, timeout=20)
            assert seen_names(consumer_url) == ["avant"]
            proxy.restore()
        wait_until(lambda: len(seen_names(consumer_url)) == 6, timeout=30)
        assert sorted(seen_names(consumer_url)) == ["avant"] + [f"pendant {n}" for n in range(5)]
    finally:
        proxy.close()


def test_event_with_no_queue_yet_is_kept_until_a_consumer_exists(start, databases):
    producer_url, consumer_url = databases
    vhost, uri = create_vhost("empty")
    containers = []
    try:
        containers.append(start(ProducerService, AMQP_URI=uri))
        with ServiceRpcProxy(PRODUCER, {"AMQP_URI": uri}, timeout=10) as producer:
            producer.create("en attente")
        failed = "select count(*) from outbox_events where published_at is null and attempts > 0"
        wait_until(lambda: scalar(producer_url, failed) == 1)
        containers.append(start(ConsumerService, AMQP_URI=uri))
        wait_until(lambda: seen_names(consumer_url) == ["en attente"], timeout=30)
    finally:
        for container in containers:  # before the vhost goes, or they reconnect forever
            container.stop()
        delete_vhost(vhost)


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_database_outage_makes_the_service_unready_but_alive(start, amqp_uri, databases):
    """Readiness names the database; liveness and ``ping`` do no I/O and keep answering."""
    producer_url, _ = databases
    url = make_url(producer_url)
    proxy = ProxyProcess((url.host, url.port or 5432))
    try:
        address = f"127.0.0.1:{free_port()}"
        through_proxy = url.set(host="127.0.0.1", port=proxy.port)
        start(
            ProducerService,
            DATABASE_URL=through_proxy.render_as_string(hide_password=False),
            WEB_SERVER_ADDRESS=address,
            READY_TIMEOUT=1.0,
        )
        ready = {"service": PRODUCER, "status": "ok", "database": "ok", "broker": "ok",
                 "consumers": "ok"}  # fmt: skip
        assert get_json(f"http://{address}/readyz") == (200, ready)
        proxy.cut()
        unready = {**ready, "status": "unavailable", "database": "unreachable"}
        assert get_json(f"http://{address}/readyz") == (503, unready)
        assert get_json(f"http://{address}/healthz") == (200, {"service": PRODUCER, "status": "ok"})
        with ServiceRpcProxy(PRODUCER, {"AMQP_URI": amqp_uri}, timeout=10) as producer:
            assert producer.ping() == {"service": PRODUCER, "status": "ok"}
        proxy.restore()
        assert get_json(f"http://{address}/readyz") == (200, ready)
    finally:
        proxy.close()


FIRST_COPY = """
import sys, time
from sqlalchemy import MetaData, create_engine
from chassis import tables
from chassis.database import Sessions
from chassis.events import _run_once
metadata = MetaData()
tables.install(metadata)
def body(session):
    print("body started", flush=True)
    time.sleep(1.0)
engine = create_engine(sys.argv[1])
_run_once(Sessions(engine, metadata), "test.handler", "thing_created", "e-1", body)
"""


def test_concurrent_copy_of_an_event_waits_and_skips_the_handler(databases):
    """While one worker handles an event (its transaction still open), a second copy does
    not run the handler: it waits for the first one's commit, then skips. So what a handler
    does outside its database (an e-mail sent before the commit) happens once."""
    _, consumer_url = databases
    first = subprocess.Popen(
        [sys.executable, "-P", "-c", FIRST_COPY, consumer_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline().strip() == "body started"
        engine = create_engine(consumer_url)
        ran = []
        try:
            sessions = Sessions(engine, ConsumerBase.metadata)
            _run_once(sessions, "test.handler", THING_CREATED, "e-1", lambda s: ran.append(1))
        finally:
            engine.dispose()
        assert first.wait(timeout=30) == 0
        assert ran == []
    finally:
        first.kill()


def kept_connections(amqp_uri: str) -> set[int]:
    return {
        id(connection)
        for key, idle in publishing._idle.items()
        if key[0] == amqp_uri
        for connection, _ in idle
    }


def test_rpc_and_replies_on_kept_connections(start, amqp_uri):
    """With the kept publishers (as chassis.run and the gateway install them), calls and
    replies reuse one connection each way, an unknown service is still detected, and a
    publish after a cut link opens a new connection instead of reusing the broken one."""
    use_kept_publishers()
    start(ProducerService)
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster:
        for _ in range(5):
            assert cluster[PRODUCER].ping()["status"] == "ok"
        with pytest.raises(UnknownService):
            cluster["nobody_listens"].ping()
        for _ in range(10):
            assert cluster[PRODUCER].ping()["status"] == "ok"
        # 22 requests and replies went through one or two connections (a call's and its
        # reply's publishes may overlap), not one each.
        assert 1 <= len(kept_connections(amqp_uri)) <= 2

    host, _vhost = amqp_uri.split("@", 1)[1].split("/", 1)
    proxy = ProxyProcess((host.split(":")[0], int(host.split(":")[1])))
    queue_name = f"kept-{uuid.uuid4().hex[:8]}"
    try:
        through_proxy = amqp_uri.replace(host, f"127.0.0.1:{proxy.port}")
        exchange = Exchange(queue_name, type="direct", durable=False, auto_delete=True)
        queue = Queue(queue_name, exchange, routing_key="k", auto_delete=True)
        publisher = publishing.KeptPublisher(
            through_proxy, declare=[exchange, queue], retry_policy={"max_retries": 1}
        )
        publisher.publish({"n": 1}, exchange=exchange, routing_key="k")
        proxy.cut()
        with pytest.raises(Exception):  # noqa: B017 - whatever kombu raises for a dead link
            publisher.publish({"n": 2}, exchange=exchange, routing_key="k")
        proxy.restore()
        publisher.publish({"n": 3}, exchange=exchange, routing_key="k")
        with Connection(amqp_uri) as connection:
            received = []
            with connection.Consumer(queue, callbacks=[lambda body, m: received.append(body)]):
                while len(received) < 2:
                    connection.drain_events(timeout=5)
        assert {"n": 1} in received and {"n": 3} in received
    finally:
        publishing.close_kept()
        proxy.close()
