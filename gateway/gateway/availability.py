"""Is the broker reachable, and is a service listening? Asked of RabbitMQ, not of the service.

A call to a nameko service whose every replica is stopped does not fail: the request waits in
the service's queue (``rpc-<service>``) until the caller's RPC timeout. The gateway asks
RabbitMQ first how many consumers that queue has (a passive ``queue.declare``, one round trip
on a connection kept per process) and answers "momentarily unavailable" at once when there
is none. A positive answer is remembered for ``CONSUMERS_TTL`` seconds, so a busy gateway asks
about once a second per service; a negative one is asked again on the next request, so a
restarted service is used as soon as it consumes again.

``broker_reachable()`` is the gateway's own readiness: its link to RabbitMQ, nothing else.

    consumers = ServiceConsumers("amqp://guest:guest@localhost:5672/", timeout=2.0)
    consumers.listening("notifications")  # False while no replica consumes
"""

from __future__ import annotations

import logging
import os
import threading
import time

from amqp.exceptions import AMQPError, NotFound
from kombu import Connection
from kombu.exceptions import KombuError

log = logging.getLogger("gateway.availability")

CONSUMERS_TTL = 1.0
RPC_QUEUE = "rpc-{}"
"""nameko 2.14's RPC queue of a service (``nameko.rpc.RPC_QUEUE_TEMPLATE``)."""
PROBE_EXCHANGE = "amq.topic"
"""Exists on every RabbitMQ virtual host: a passive declare of it is a harmless round trip."""
FAILURES = (OSError, AMQPError, KombuError)


class ServiceConsumers:
    """One broker connection per process, shared by its threads under a lock."""

    def __init__(self, amqp_uri: str, timeout: float, ttl: float = CONSUMERS_TTL) -> None:
        self._amqp_uri = amqp_uri
        self._timeout = timeout
        self._ttl = ttl
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._connection: Connection | None = None
        self._channel = None
        self._listening_since: dict[str, float] = {}

    def listening(self, service: str) -> bool:
        """True when at least one replica of ``service`` consumes its RPC queue."""
        seen = self._listening_since.get(service)
        if seen is not None and time.monotonic() - seen < self._ttl:
            return True
        with self._lock:
            count = self._consumer_count(RPC_QUEUE.format(service))
        if count:
            self._listening_since[service] = time.monotonic()
        else:
            self._listening_since.pop(service, None)
        return bool(count)

    def broker_reachable(self) -> bool:
        """True when RabbitMQ answers a round trip on this process's connection."""
        with self._lock:
            for attempt in (1, 2):  # a connection idle for long may be dead: retry on a new one
                try:
                    self._ensure_channel().exchange_declare(PROBE_EXCHANGE, "topic", passive=True)
                    return True
                except FAILURES as exc:
                    self._close()
                    if attempt == 2:
                        log.warning("broker unreachable: %s: %s", type(exc).__name__, exc)
        return False

    def close(self) -> None:
        with self._lock:
            self._close()

    def _consumer_count(self, queue: str) -> int:
        """Consumers of ``queue``; 0 when it does not exist or the broker does not answer."""
        for attempt in (1, 2):  # a connection idle for long may be dead: retry on a new one
            try:
                _, _, consumers = self._ensure_channel().queue_declare(queue, passive=True)
                return consumers
            except NotFound:
                self._close()  # the channel is closed by the broker; the queue is not there
                return 0
            except FAILURES as exc:
                self._close()
                if attempt == 2:
                    log.warning("cannot ask the broker about %s: %s", queue, exc)
        return 0

    def _ensure_channel(self):
        if os.getpid() != self._pid:  # forked: never share the parent's socket
            self._pid, self._connection, self._channel = os.getpid(), None, None
        if self._channel is None:
            connection = Connection(self._amqp_uri, connect_timeout=self._timeout)
            connection.ensure_connection(max_retries=1, timeout=self._timeout)
            self._connection, self._channel = connection, connection.channel()
        return self._channel

    def _close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception as exc:  # a dead connection may fail in any way while closing
                log.debug("ignoring error while closing the broker connection: %r", exc)
