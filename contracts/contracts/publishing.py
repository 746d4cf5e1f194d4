"""nameko's publisher on kept AMQP connections, for the gateway and the services alike.

nameko 2.14.1 publishes every message (an RPC request, an RPC reply, an event) by building a
new kombu ``Connection`` object, then looking its pooled connection and producer up in
kombu's global pools, under a retrying ``ensure`` wrapper. The broker connection itself is
reused, but that bookkeeping cost about as much CPU as the publish itself (0.19 ms against
0.09 ms per message on a local broker; ``bench/README.md``).

:class:`KeptPublisher` publishes the same message, with the same options (publisher confirms,
``mandatory``, retries, declarations), on a connection and producer kept for the next
message. Each is lent to one publisher at a time (LIFO, so the freshest connection goes first)
and given back after a publish that worked; after any error the connection is closed and a
new one is opened by the next publish, so a broker restart or a cut link never leaves a broken
connection in use. Kept connections belong to the process that opened them (a forked gunicorn
worker starts with none).

:func:`use_kept_publishers` makes nameko's RPC requests and replies use it: called by the
gateway's RPC client and by ``chassis.run`` before the services start. ``UnknownService``
detection (``mandatory`` with confirms), correlation ids and headers are unchanged: only the
way to the broker is.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from typing import Any

from kombu import Connection, Producer
from kombu.exceptions import ChannelError
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import DEFAULT_TRANSPORT_OPTIONS

KEPT_PER_TARGET = 16
"""Idle connections kept per broker and confirm mode; more (a burst) are closed once used."""

_idle: dict[tuple, list[tuple[Connection, Producer]]] = {}
_owner_pid = os.getpid()
_lock = threading.Lock()


def _idle_list(key: tuple) -> list[tuple[Connection, Producer]]:
    global _owner_pid
    with _lock:
        if os.getpid() != _owner_pid:  # a forked child: its parent's sockets are not its own
            _idle.clear()
            _owner_pid = os.getpid()
        return _idle.setdefault(key, [])


def close_kept() -> None:
    """Close every idle kept connection of this process (tests, clean shutdown)."""
    with _lock:
        lists = list(_idle.values()) if os.getpid() == _owner_pid else []
        _idle.clear()
    for idle in lists:
        while idle:
            _close(idle.pop()[0])


class KeptPublisher(Publisher):
    """``nameko.amqp.publish.Publisher`` with the same ``publish``, on kept connections."""

    def publish(self, payload: Any, **kwargs: Any) -> None:
        publish_kwargs = self.publish_kwargs.copy()
        headers = publish_kwargs.pop("headers", {}).copy()
        headers.update(kwargs.pop("headers", {}))
        headers.update(kwargs.pop("extra_headers", {}))
        use_confirms = kwargs.pop("use_confirms", self.use_confirms)
        transport_options = dict(kwargs.pop("transport_options", self.transport_options))
        transport_options["confirm_publish"] = use_confirms
        mandatory = kwargs.pop("mandatory", self.mandatory)
        options = {
            "delivery_mode": kwargs.pop("delivery_mode", self.delivery_mode),
            "priority": kwargs.pop("priority", self.priority),
            "expiration": kwargs.pop("expiration", self.expiration),
            "compression": kwargs.pop("compression", self.compression),
            "serializer": kwargs.pop("serializer", self.serializer),
            "retry": kwargs.pop("retry", self.retry),
            "retry_policy": kwargs.pop("retry_policy", self.retry_policy),
        }
        declare = [*self.declare, *kwargs.pop("declare", ())]
        publish_kwargs.update(kwargs)

        key = (self.amqp_uri, repr(self.ssl), self.login_method, repr(transport_options))
        idle = _idle_list(key)
        try:
            connection, producer = idle.pop()
        except IndexError:
            connection = Connection(
                self.amqp_uri,
                transport_options={**DEFAULT_TRANSPORT_OPTIONS, **transport_options},
                ssl=self.ssl,
                login_method=self.login_method,
            )
            producer = Producer(connection)
        try:
            producer.publish(
                payload,
                headers=headers,
                mandatory=mandatory,
                declare=declare,
                **options,
                **publish_kwargs,
            )
        except ChannelError as exc:
            _close(connection)
            if "NO_ROUTE" in str(exc):
                raise UndeliverableMessage() from exc
            raise
        except BaseException:
            _close(connection)
            raise
        if mandatory and not use_confirms:
            warnings.warn(
                "Mandatory delivery was requested, but unroutable messages cannot be "
                "detected without publish confirms enabled.",
                stacklevel=2,
            )
        if len(idle) < KEPT_PER_TARGET:
            idle.append((connection, producer))
        else:
            _close(connection)


def _close(connection: Connection) -> None:
    with contextlib.suppress(Exception):  # a broken connection may fail in any way here
        connection.close()


class ReplyPublisher(KeptPublisher):
    """RPC replies, on kept connections and without publisher confirms.

    Waiting for a confirm on every reply cost a busy service and RabbitMQ about 0.7 ms of CPU
    each per call, and the rush of ``bench/rush.py`` 12 to 20% of its throughput. What it
    protected: a reply published on a connection the broker dropped, in the moment of a
    broker restart, was published again on a new one; without it that reply can be lost
    and the caller gets its timeout. In that same restart the request's acknowledgement is
    lost too, so the request is delivered again and run a second time whatever happens to
    the reply: side-effecting RPCs rely on their idempotency keys either way. Unroutable
    replies (a caller gone) were already dropped without a word; a publish on a connection
    already known broken still raises, and the connection is replaced, as before."""

    use_confirms = False


def use_kept_publishers() -> None:
    """nameko's RPC requests (``MethodProxy``) and replies (``Responder``) use kept
    connections in this process: :class:`KeptPublisher`, and :class:`ReplyPublisher` for
    replies."""
    from nameko import rpc

    rpc.MethodProxy.publisher_cls = KeptPublisher
    rpc.Responder.publisher_cls = ReplyPublisher
