"""The local broker's event queues, brought to the type the chassis declares (quorum).

A RabbitMQ queue keeps the type it was first declared with: a local run older than the
quorum event queues (``chassis.retry_routing``) left classic ``evt-*`` queues in the vhost
``/``, and a service declaring them as quorum queues would be refused at start
(PRECONDITION_FAILED, inequivalent arg 'x-queue-type'). Before starting the portal, the
local run deletes those classic queues (with ``rabbitmqctl``, when this machine runs the
broker); the services declare them again as quorum queues. Events still waiting in them
are local test data and are dropped, which the local run says. A production broker is
migrated by its operator instead (docs/operations.md, "Quorum queues").
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable


def classic_event_queues(vhost: str) -> list[tuple[str, int]] | None:
    """(name, messages) of the vhost's classic ``evt-*`` queues; None without rabbitmqctl."""
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        return None
    command = [rabbitmqctl, "-q", "list_queues", "-p", vhost, "name", "type", "messages"]
    listing = subprocess.run(
        [*command, "--formatter", "json"], capture_output=True, text=True, timeout=60
    )
    if listing.returncode != 0:
        return None
    return [
        (queue["name"], int(queue.get("messages") or 0))
        for queue in json.loads(listing.stdout or "[]")
        if queue["name"].startswith("evt-") and queue.get("type") == "classic"
    ]


def replace_classic_event_queues(vhost: str, say: Callable[[str], None]) -> None:
    queues = classic_event_queues(vhost)
    if queues is None:
        return
    for name, messages in queues:
        subprocess.run(
            ["rabbitmqctl", "-q", "delete_queue", "-p", vhost, name],
            check=True,
            capture_output=True,
            timeout=60,
        )
        say(f"File classique remplacée / classic queue replaced: {name} ({messages} messages)")
