"""Plain helpers for the integration tests of a nameko service run in the test process.

Every service's integration conftest starts its service the same way and watches the same
things; these are the shared pieces, with the fixtures of ``chassis.testing.fixtures``::

    config = service_config(amqp_uri, database_url, SMTP_PORT=smtp.port)
    container = service_container(NotificationsService, config)
    call(container, "list_messages", caller)

- ``service_config(amqp_uri, database_url, **extra)``: the nameko config of a service under
  test, its web server on a free port;
- ``call(container, method, caller, *args)``: call one entrypoint of a running container
  in-process, a dict ``caller`` signed as the gateway would (with :data:`CALLER_KEY`, whose
  public key ``service_config`` gives the service); ``call_raw`` sends ``caller`` untouched;
- ``signed(caller, service, method, ...)``: a signed caller, for tests that call over
  RabbitMQ themselves;
- ``EventQueue(amqp_uri, service)``: every event ``service`` publishes, read with a timeout;
- ``dispatcher(amqp_uri)``: publish an event as another service would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

import eventlet
from kombu import Connection, Queue
from nameko.events import get_event_exchange
from nameko.extensions import Entrypoint
from nameko.standalone.events import event_dispatcher
from nameko.testing.utils import get_extension

from chassis.testing.fixtures import free_port
from contracts import signed_caller

CALLER_KEY = signed_caller.generate_key()
"""The test suite's stand-in for the gateway's private key (one per test process)."""

CALL_TIMEOUT = 30.0


def service_config(amqp_uri: str, database_url: str, **extra) -> dict:
    """The nameko config of a service under test; ``extra`` adds or overrides keys.

    The web server (``/healthz``) gets a free port so that containers of several tests, or
    of several services, never collide. The service trusts :data:`CALLER_KEY`.
    """
    return {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "CALLER_VERIFY_KEY": signed_caller.public_pem(CALLER_KEY),
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "max_workers": 4,
        **extra,
    }


def call(container, method: str, *args, timeout: float = CALL_TIMEOUT):
    """Call one RPC method of the running service in-process, as the gateway would.

    A dict first argument is the caller: it is signed for this service and method, with a
    fresh correlation id sent beside it. Anything else (``None``, a token) goes as it is.
    """
    correlation_id = str(uuid.uuid4())
    if args and isinstance(args[0], Mapping):
        token = signed(args[0], container.service_name, method, correlation_id=correlation_id)
        args = (token, *args[1:])
    return _hook(container, method, args, {"correlation_id": correlation_id}, timeout)


def call_raw(
    container, method: str, *args, context_data: dict | None = None, timeout: float = CALL_TIMEOUT
):
    """Call one RPC method with its arguments untouched: an unsigned or forged caller."""
    return _hook(container, method, args, context_data, timeout)


def signed(
    caller: Mapping,
    service: str,
    method: str,
    *,
    correlation_id: str = "test",
    key=None,
    now: float | None = None,
) -> str:
    """``caller`` signed as the gateway signs it (by ``key``, default :data:`CALLER_KEY`)."""
    return signed_caller.sign(
        caller,
        key or CALLER_KEY,
        service=service,
        method=method,
        correlation_id=correlation_id,
        now=now,
    )


def _hook(container, method: str, args: tuple, context_data: dict | None, timeout: float):
    """Run the entrypoint in a worker of its own and wait for that worker's outcome, so several
    green threads may call at once (nameko's ``entrypoint_hook`` hands every waiter the first
    result of the method)."""
    entrypoint = get_extension(container, Entrypoint, method_name=method)
    if entrypoint is None:
        raise ValueError(f"no entrypoint {method!r} on {container.service_name}")
    outcome = eventlet.event.Event()

    def handle_result(worker_ctx, result=None, exc_info=None):
        if exc_info is not None:
            outcome.send_exception(exc_info[1])
        else:
            outcome.send(result)
        return result, exc_info

    container.spawn_worker(
        entrypoint, args, {}, context_data=context_data, handle_result=handle_result
    )
    with eventlet.Timeout(timeout):
        return outcome.wait()


def dispatcher(amqp_uri: str) -> Callable[[str, str, dict], None]:
    """``publish(source, event_type, payload)`` on ``<source>.events``, as that service would.

    Publishing is mandatory: an event that no queue receives is an error, not a silent loss.
    """
    return event_dispatcher({"AMQP_URI": amqp_uri}, mandatory=True)


class EventQueue:
    """A queue bound to every event of ``<service>.events``, read with a timeout.

    Bind it before the service publishes anything (create it before starting the container):
    events published earlier are not routed to it. Usable as a context manager.
    """

    def __init__(self, amqp_uri: str, service: str) -> None:
        self.connection = Connection(amqp_uri)
        queue = Queue(
            f"test-{service}-events-{uuid.uuid4().hex[:8]}",
            exchange=get_event_exchange(service, {}),
            routing_key="#",
            auto_delete=True,
        )
        self.queue = self.connection.SimpleQueue(queue)

    def next(self, timeout: float = 15) -> tuple[str, dict]:
        """The next event as (type, payload)."""
        return self._receive(timeout)

    def next_of(self, event_type: str, timeout: float = 15) -> dict:
        """The payload of the next event of ``event_type`` (others before it are skipped)."""
        while True:
            found, payload = self._receive(timeout)
            if found == event_type:
                return payload

    def _receive(self, timeout: float) -> tuple[str, dict]:
        # Not ``next``: a conftest may redefine ``next`` in terms of ``next_of``.
        message = self.queue.get(timeout=timeout)
        message.ack()
        return message.delivery_info["routing_key"], message.payload

    def close(self) -> None:
        self.queue.close()
        self.connection.release()

    def __enter__(self) -> EventQueue:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
