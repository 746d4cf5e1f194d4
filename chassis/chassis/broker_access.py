"""One RabbitMQ user per component, allowed only what nameko needs for that component.

nameko 2.14 names everything it declares, so each user's permissions (configure, write, read:
regular expressions on exchange and queue names) can list exactly its own:

- a service ``S`` consumes its RPC queue ``rpc-S`` bound to the ``nameko-rpc`` exchange and
  publishes replies there; publishes its events on ``S.events``; binds queues
  ``evt-<source>-<event>--S.<handler>`` to the ``<source>.events`` exchanges it listens to;
  retries failed handlers through its own ``backoff.S`` exchange, ``backoff-S--<n>ms``
  queues and ``S.retry`` exchange (``chassis.retry_routing``), never the default exchange,
  which would reach every queue;
- the gateway (a standalone RPC client) publishes requests on ``nameko-rpc`` and reads its
  own reply queues ``rpc.reply-standalone_rpc_proxy-<uuid>``.

Topic permissions on ``nameko-rpc`` narrow routing keys further: a service may publish
replies only (uuid routing keys), never an RPC request; the gateway may publish requests to
the portal's services only. A stolen service login therefore cannot call another service,
publish another service's events, or read its queues; and no login can forge a caller, which
the gateway signs (``contracts.signed_caller``).

``python -m chassis.broker_access`` creates or updates the users through the management API
(the Docker Compose job ``rabbitmq-users``); on Kubernetes the same grants are
``User``/``Permission``/``TopicPermission`` resources (``k8s/backing-services.yaml``), which
the contract tests compare with :func:`grants`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from urllib.parse import quote

RPC_EXCHANGE = "nameko-rpc"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME = r"[a-z0-9_]+"

SERVICES: dict[str, tuple[str, ...]] = {
    "accounts": (),
    "requests": ("accounts",),
    "notifications": ("accounts", "requests", "family", "billing"),
    "family": ("accounts",),
    "billing": ("accounts", "family", "requests"),
}
"""Each service, with the services whose events it listens to."""

GATEWAY = "gateway"
STARTUP_ATTEMPTS = 30


@dataclass(frozen=True)
class Grant:
    """What one user may do in the portal's vhost."""

    configure: str
    write: str
    read: str
    rpc_write: str
    """Routing keys the user may publish with on ``nameko-rpc`` (topic permission)."""
    rpc_read: str
    """Routing keys the user may bind a queue to ``nameko-rpc`` with (topic permission)."""


def _only(*patterns: str) -> str:
    return "^(" + "|".join(patterns) + ")$"


def service_grant(service: str, listens_to: tuple[str, ...] = ()) -> Grant:
    """The grant of service ``service``, which handles events of ``listens_to``."""
    name = re.escape(service)
    rpc_queue, own_events = f"rpc-{name}", rf"{name}\.events"
    sources = [rf"{re.escape(source)}\.events" for source in listens_to]
    handler_queues = rf"evt-{NAME}-{NAME}--{name}\.{NAME}"
    retries = (rf"backoff\.{name}", rf"backoff-{name}--\d+ms", rf"{name}\.retry")
    return Grant(
        configure=_only(RPC_EXCHANGE, rpc_queue, own_events, *sources, handler_queues, *retries),
        write=_only(RPC_EXCHANGE, rpc_queue, own_events, handler_queues, *retries),
        read=_only(RPC_EXCHANGE, rpc_queue, *sources, handler_queues, *retries),
        rpc_write=_only(UUID),
        rpc_read=_only(rf"{name}\.\*"),
    )


def client_grant(services: tuple[str, ...]) -> Grant:
    """The grant of a standalone RPC client (the gateway) calling ``services``."""
    replies = rf"rpc\.reply-standalone_rpc_proxy-{UUID}"
    called = "|".join(re.escape(service) for service in services)
    return Grant(
        configure=_only(RPC_EXCHANGE, replies),
        write=_only(RPC_EXCHANGE, replies),
        read=_only(RPC_EXCHANGE, replies),
        rpc_write=_only(rf"(?:{called})\.{NAME}"),
        rpc_read=_only(UUID),
    )


def grants() -> dict[str, Grant]:
    """Every component's grant, by RabbitMQ user name (the component's name)."""
    found = {service: service_grant(service, sources) for service, sources in SERVICES.items()}
    found[GATEWAY] = client_grant(tuple(SERVICES))
    return found


def apply(management_url: str, admin: tuple[str, str], vhost: str, passwords: dict) -> None:
    """Create or update each user, its permissions and topic permissions (idempotent)."""
    api = _Api(management_url.rstrip("/"), admin)
    for user, grant in grants().items():
        fields = asdict(grant)
        api.put(f"users/{user}", {"password": passwords[user], "tags": ""})
        permissions = {key: fields[key] for key in ("configure", "write", "read")}
        api.put(f"permissions/{quote(vhost, safe='')}/{user}", permissions)
        topic = {"exchange": RPC_EXCHANGE, "write": grant.rpc_write, "read": grant.rpc_read}
        api.put(f"topic-permissions/{quote(vhost, safe='')}/{user}", topic)


class _Api:
    def __init__(self, url: str, admin: tuple[str, str]) -> None:
        self.url = url
        self.auth = "Basic " + base64.b64encode(":".join(admin).encode()).decode()

    def put(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": self.auth, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chassis.broker_access", description=__doc__)
    parser.add_argument("--management-url", default="http://rabbitmq:15672")
    parser.add_argument("--vhost", default="/")
    arguments = parser.parse_args(argv)
    names = [*grants()]
    variables = ["RABBITMQ_ADMIN_USER", "RABBITMQ_ADMIN_PASSWORD"]
    variables += [f"{name.upper()}_RABBITMQ_PASSWORD" for name in names]
    missing = [name for name in variables if not os.environ.get(name)]
    if missing:
        print(f"missing settings: {', '.join(missing)}", file=sys.stderr)
        return 1
    admin = (os.environ["RABBITMQ_ADMIN_USER"], os.environ["RABBITMQ_ADMIN_PASSWORD"])
    passwords = {name: os.environ[f"{name.upper()}_RABBITMQ_PASSWORD"] for name in names}
    for attempt in range(STARTUP_ATTEMPTS):
        try:
            apply(arguments.management_url, admin, arguments.vhost, passwords)
            break
        except urllib.error.URLError as error:  # the management API starts after AMQP
            if attempt == STARTUP_ATTEMPTS - 1:
                raise
            print(f"management API not ready ({error}), retrying", file=sys.stderr)
            time.sleep(2)
    print(f"RabbitMQ users ready: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
