"""Retries of failed event handlers that stay inside the service's own broker resources.

nameko-amqp-retry parks a failed event in a ``backoff--<n>ms`` queue bound to a ``backoff``
exchange that every service shares, and lets it expire back through RabbitMQ's default
exchange. Declaring such a queue needs write access to the default exchange, which reaches
every queue by name: any service login could then push a forged event into another service's
handler queue. So each service gets its own retry path instead:

- failed events are published on ``backoff.<service>`` (headers) into
  ``backoff-<service>--<n>ms`` queues;
- those dead-letter into ``<service>.retry`` (direct), to which each of the service's handler
  queues is bound with its own name as routing key, so the event returns to its handler only.

``chassis.broker_access`` grants a service exactly these names.

Durable handler queues are declared as **quorum queues** (``x-queue-type: quorum``): Raft
replicated on a majority of a RabbitMQ cluster's nodes, so losing one node of three loses no
event and stops no handler. The backoff queues stay classic (durable, persistent messages):
they rely on per-message expiry, hold an event for seconds to minutes, and a node's loss only
delays those retries until it comes back. A broadcast handler's queue (exclusive, deleted
with its consumer) cannot be a quorum queue and stays classic.
"""

from __future__ import annotations

from kombu import Exchange, Queue, binding
from nameko_amqp_retry.backoff import EXPIRY_GRACE_PERIOD, BackoffPublisher


def backoff_exchange_name(service: str) -> str:
    return f"backoff.{service}"


def retry_exchange(service: str) -> Exchange:
    """Where the service's expired backoff messages come back, routed by handler queue name."""
    return Exchange(f"{service}.retry", type="direct", durable=True)


class ServiceBackoffPublisher(BackoffPublisher):
    """nameko-amqp-retry's publisher with the service's own exchange and queues."""

    @property
    def exchange(self) -> Exchange:
        return Exchange(backoff_exchange_name(self.container.service_name), type="headers")

    def make_queue(self, expiration: int) -> Queue:
        service = self.container.service_name
        return Queue(
            name=f"backoff-{service}--{expiration}ms",
            exchange=self.exchange,
            binding_arguments={"backoff": expiration, "x-match": "any"},
            queue_arguments={
                "x-expires": expiration + EXPIRY_GRACE_PERIOD,
                "x-dead-letter-exchange": retry_exchange(service).name,
            },
        )


QUORUM = {"x-queue-type": "quorum"}


def with_retry_binding(queue: Queue, service: str) -> Queue:
    """``queue`` (an event handler's) also bound to ``<service>.retry`` under its own name,
    and a quorum queue when it is durable and shared (``QUORUM``)."""
    replicated = queue.durable and not (queue.auto_delete or queue.exclusive)
    return Queue(
        queue.name,
        bindings=[
            binding(queue.exchange, routing_key=queue.routing_key),
            binding(retry_exchange(service), routing_key=queue.name),
        ],
        durable=queue.durable,
        auto_delete=queue.auto_delete,
        exclusive=queue.exclusive,
        queue_arguments=dict(QUORUM) if replicated else None,
    )
