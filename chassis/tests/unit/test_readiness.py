"""Readiness waits for the service's own consumers, not only for its HTTP server."""

from __future__ import annotations

from eventlet.event import Event

from chassis.health import ReadinessCheck


class Consumer:
    def __init__(self) -> None:
        self._consumers_ready = Event()


def test_a_replica_is_ready_only_once_each_of_its_queue_consumers_consumes():
    rpc, events = Consumer(), Consumer()
    check = ReadinessCheck(database=None, amqp_uri="", timeout=1.0, consumers=(rpc, events))
    assert not check.consuming()
    rpc._consumers_ready.send(None)
    assert not check.consuming()  # its event handlers do not consume yet
    events._consumers_ready.send(None)
    assert check.consuming()


def test_a_service_without_queue_consumers_is_not_held_back():
    assert ReadinessCheck(database=None, amqp_uri="", timeout=1.0).consuming()
