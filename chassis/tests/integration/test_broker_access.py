"""Each component's RabbitMQ user can do its nameko work and nothing else, on a real broker.

Two small services and a standalone RPC client run under users holding exactly the grants of
``chassis.broker_access``: an RPC call, an event published through the outbox, a handler that
fails once and is retried through nameko-amqp-retry's backoff queues. Then each login tries what
it must not do.
"""

from __future__ import annotations

import uuid

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Queue
from marshmallow import fields
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from nameko_amqp_retry import Backoff
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase

from chassis import broker_access, tables
from chassis.database import Database
from chassis.events import handle_event
from chassis.outbox import Outbox
from chassis.testing.fixtures import AMQP_HOST, _rabbitmqctl, create_vhost, delete_vhost, wait_until
from contracts.base import Event

SOURCE, SINK = "grant_source", "grant_sink"


class Announced(Event):
    text = fields.String(required=True)


class SourceTables(DeclarativeBase):
    pass


class SinkTables(DeclarativeBase):
    pass


tables.install(SourceTables.metadata)
tables.install(SinkTables.metadata)


class OneRetry(Backoff):
    schedule = (100,)
    limit = 3


class Source:
    name = SOURCE
    db = Database(SourceTables)
    outbox = Outbox()

    @rpc
    def announce(self, text: str) -> str:
        with self.db.session() as session:
            self.outbox.add(session, "announced", Announced(), {"text": text})
        return text


class Sink:
    name = SINK
    db = Database(SinkTables)
    attempts: list[str] = []

    @handle_event(SOURCE, "announced", Announced, backoff=OneRetry)
    def on_announced(self, session, event: dict) -> None:
        Sink.attempts.append(event["text"])
        if len(Sink.attempts) == 1:
            raise RuntimeError("first attempt fails, the retry goes through backoff")

    @rpc
    def heard(self) -> list[str]:
        return list(Sink.attempts)


GRANTS = {
    SOURCE: broker_access.service_grant(SOURCE),
    SINK: broker_access.service_grant(SINK, (SOURCE,)),
    "gateway": broker_access.client_grant((SOURCE, SINK)),
}


@pytest.fixture(scope="module")
def logins():
    """A vhost with one user per component, holding only its grant; uri by component."""
    vhost, _ = create_vhost("grants")
    suffix, uris = uuid.uuid4().hex[:8], {}
    for component, grant in GRANTS.items():
        user, password = f"{component}-{suffix}", uuid.uuid4().hex
        _rabbitmqctl("add_user", user, password)
        _rabbitmqctl("set_permissions", "-p", vhost, user, grant.configure, grant.write, grant.read)
        topic = [broker_access.RPC_EXCHANGE, grant.rpc_write, grant.rpc_read]
        _rabbitmqctl("set_topic_permissions", "-p", vhost, user, *topic)
        uris[component] = f"amqp://{user}:{password}@{AMQP_HOST}/{vhost}"
    yield uris
    for component in GRANTS:
        _rabbitmqctl("delete_user", f"{component}-{suffix}")
    delete_vhost(vhost)


@pytest.fixture(scope="module")
def urls(postgres_database):
    found = {}
    for name, base in ((SOURCE, SourceTables), (SINK, SinkTables)):
        found[name] = postgres_database(name)
        engine = create_engine(found[name])
        base.metadata.create_all(engine)
        engine.dispose()
    return found


def test_each_component_does_its_nameko_work_with_its_own_login(service_container, logins, urls):
    Sink.attempts.clear()
    service_container(Sink, {"AMQP_URI": logins[SINK], "DATABASE_URL": urls[SINK]})
    service_container(Source, {"AMQP_URI": logins[SOURCE], "DATABASE_URL": urls[SOURCE]})
    with ClusterRpcProxy({"AMQP_URI": logins["gateway"]}, timeout=15) as gateway:
        assert gateway[SOURCE].announce("bonjour") == "bonjour"
        wait_until(lambda: gateway[SINK].heard() == ["bonjour", "bonjour"], message="retry")


def refused(uri: str, action) -> bool:
    """Whether the broker refuses ``action(connection)`` with ACCESS_REFUSED."""
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        try:
            action(connection)
        except AccessRefused:
            return True
    return False


def publish(exchange: str, routing_key: str):
    def action(connection) -> None:
        target = Exchange(exchange, type="topic" if exchange else "direct", durable=True)
        connection.Producer().publish({}, exchange=target, routing_key=routing_key, declare=[])

    return action


def consume(queue: str):
    def action(connection) -> None:
        connection.SimpleQueue(Queue(queue, no_declare=True)).get(timeout=1)

    return action


@pytest.mark.parametrize(
    ("component", "action"),
    [
        (SINK, publish(f"{SOURCE}.events", "announced")),
        (SINK, publish("nameko-rpc", f"{SOURCE}.announce")),
        (SINK, consume(f"rpc-{SOURCE}")),
        (SOURCE, publish("nameko-rpc", f"{SINK}.heard")),
        ("gateway", publish(f"{SOURCE}.events", "announced")),
        ("gateway", publish("nameko-rpc", "autre_service.methode")),
        ("gateway", consume(f"rpc-{SINK}")),
        ("gateway", consume(f"backoff-{SINK}--100ms")),
        (SOURCE, publish("", f"evt-{SOURCE}-announced--{SINK}.on_announced")),
        (SOURCE, consume(f"backoff-{SINK}--100ms")),
    ],
    ids=[
        "service publishes another's event",
        "service sends an rpc request",
        "service reads another's rpc queue",
        "other service sends an rpc request",
        "gateway publishes an event",
        "gateway calls a service outside the portal",
        "gateway reads a service's rpc queue",
        "gateway reads the retry queues",
        "service pushes into another's handler queue",
        "service reads another's retry queue",
    ],
)
def test_a_login_is_refused_what_its_component_does_not_do(logins, component, action):
    assert refused(logins[component], action)
