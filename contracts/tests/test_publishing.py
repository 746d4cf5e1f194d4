"""Kept publishing connections: lent to one publisher at a time, never across a fork, and
dropped after an error (the broker-backed behaviour is in chassis' integration tests)."""

from __future__ import annotations

import pytest

from contracts import publishing


class FakeConnection:
    def __init__(self, *args, **kwargs) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class FakeProducer:
    fail_with: BaseException | None = None

    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection
        self.published: list = []

    def publish(self, payload, **kwargs) -> None:
        if FakeProducer.fail_with is not None:
            raise FakeProducer.fail_with
        self.published.append(payload)


@pytest.fixture
def kept(monkeypatch):
    monkeypatch.setattr(publishing, "Connection", FakeConnection)
    monkeypatch.setattr(publishing, "Producer", FakeProducer)
    monkeypatch.setattr(FakeProducer, "fail_with", None)
    publishing.close_kept()
    yield publishing.KeptPublisher("amqp://broker/")
    publishing.close_kept()


def idle() -> list:
    return [pair for pairs in publishing._idle.values() for pair in pairs]


def test_one_connection_serves_publishes_one_after_the_other(kept):
    for n in range(5):
        kept.publish({"n": n}, routing_key="k")
    [(connection, producer)] = idle()
    assert producer.published == [{"n": n} for n in range(5)]
    assert not connection.closed


def test_a_connection_that_failed_is_closed_not_kept(kept):
    kept.publish({"n": 1}, routing_key="k")
    [(connection, _)] = idle()
    FakeProducer.fail_with = OSError("link cut")
    with pytest.raises(OSError):
        kept.publish({"n": 2}, routing_key="k")
    assert connection.closed and idle() == []
    FakeProducer.fail_with = None
    kept.publish({"n": 3}, routing_key="k")
    [(fresh, _)] = idle()
    assert fresh is not connection


def test_unroutable_message_raises_undeliverable(kept):
    from kombu.exceptions import ChannelError
    from nameko.amqp.publish import UndeliverableMessage

    FakeProducer.fail_with = ChannelError("Message returned: NO_ROUTE")
    with pytest.raises(UndeliverableMessage):
        kept.publish({"n": 1}, routing_key="nobody", mandatory=True)


def test_a_forked_child_does_not_reuse_its_parents_connections(kept, monkeypatch):
    kept.publish({"n": 1}, routing_key="k")
    [(parents, _)] = idle()
    monkeypatch.setattr(publishing.os, "getpid", lambda: -1)
    kept.publish({"n": 2}, routing_key="k")
    [(childs, _)] = idle()
    assert childs is not parents and not parents.closed  # the parent's socket is left alone


def test_replies_go_without_confirms_on_connections_of_their_own(kept):
    """An RPC reply waits for no publisher confirm; its connections are not lent to
    publishers that want confirms (the transport option differs)."""
    captured: list[dict] = []

    class Recording(FakeConnection):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__()
            captured.append(kwargs["transport_options"])

    publishing.Connection = Recording
    kept.publish({"n": 1}, routing_key="k")
    publishing.ReplyPublisher("amqp://broker/").publish({"n": 2}, routing_key="reply")
    assert [options["confirm_publish"] for options in captured] == [True, False]
    assert len(idle()) == 2
