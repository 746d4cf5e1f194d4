"""The RabbitMQ of the local run: the one answering at ``AMQP_URI`` (by default on
localhost:5672), else Debian's ``rabbitmq-server``, installed first when running as root with
apt-get; otherwise what to install is said, and the run stops.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from urllib.parse import urlsplit

from devstack.processes import answers, say

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def wait_for(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(host, port):
            return True
        time.sleep(1)
    return False


def _rabbitmq_server() -> str | None:
    return shutil.which("rabbitmq-server") or next(
        (
            p
            for p in ("/usr/sbin/rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")
            if os.access(p, os.X_OK)
        ),
        None,
    )


def ensure_rabbitmq(amqp_uri: str | None = None, wait_seconds: float = 90) -> bool:
    """Make sure a RabbitMQ answers at ``amqp_uri``; return False (after saying what to
    install) when that cannot be done here."""
    url = urlsplit(amqp_uri or os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI)
    host, port = url.hostname or "localhost", url.port or 5672
    if answers(host, port):
        say(f"RabbitMQ répond / answers on {host}:{port}")
        return True
    if host not in ("localhost", "127.0.0.1", "::1"):
        say(f"RabbitMQ ne répond pas sur {host}:{port} / RabbitMQ does not answer (AMQP_URI)")
        return False

    server = _rabbitmq_server()
    if server is None and os.geteuid() == 0 and shutil.which("apt-get"):
        say("Installation de RabbitMQ / installing RabbitMQ (apt-get install rabbitmq-server)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "rabbitmq-server"], check=True, env=env)
        server = _rabbitmq_server()
        if answers(host, port):  # the package may have started it already
            say(f"RabbitMQ répond / answers on {host}:{port}")
            return True
    if server is None:
        say(
            "RabbitMQ est introuvable / RabbitMQ is missing.\n"
            "  Debian/Ubuntu : sudo apt-get install rabbitmq-server\n"
            "  ou / or : docker run -d -p 5672:5672 rabbitmq:3\n"
            "  puis relancez / then run again."
        )
        return False

    say(f"Démarrage de RabbitMQ / starting RabbitMQ ({server} -detached)")
    subprocess.run([server, "-detached"], check=False)
    if wait_for(host, port, wait_seconds):
        say(f"RabbitMQ répond / answers on {host}:{port}")
        return True
    say(
        f"RabbitMQ ne répond toujours pas sur {host}:{port} après {wait_seconds:.0f} s / "
        "RabbitMQ still does not answer; see /var/log/rabbitmq/"
    )
    return False
