"""Start the baselines beside a running stack, with the same settings as the portal.

The processes are added to ``stack.processes`` under a name starting with ``baseline``, so
``stack.close()`` stops them with the rest and ``procstats`` reads their CPU and memory, which
the reports print apart from the portal's own processes.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import requests

from chassis.testing.fixtures import free_port
from devstack.processes import Process, wait_until

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
BASELINES = BENCH / "baselines"
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60.0
GUNICORN_SETTINGS = ["-k", "gthread", "--threads", "4", "-w", "2", "--timeout", "30"]
"""The gateway's settings in ``devstack.stack``, docker-compose.yml and k8s/."""

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def is_baseline(name: str) -> bool:
    return name.startswith("baseline")


def _add(stack, name: str, command: list[str], cwd: Path, env: dict) -> Process:
    process = Process(name, command, cwd, env, stack.logdir / f"{name.replace(' ', '-')}.log")
    stack.processes[name] = process
    process.start()
    return process


def _gunicorn(stack, name: str, app: str, pythonpath: str, env: dict) -> str:
    """Start ``app`` under the gateway's gunicorn settings; returns its base URL."""
    address = f"127.0.0.1:{free_port()}"
    command = [str(BIN / "gunicorn"), *GUNICORN_SETTINGS, "-b", address]
    command += ["--pythonpath", pythonpath, app]
    process = _add(stack, name, command, REPO_ROOT, env)
    url = f"http://{address}"
    wait_until(
        lambda: requests.get(f"{url}/healthz", timeout=2).status_code in (200, 404),
        STARTUP_SECONDS,
        name,
        [process],
    )
    return url


def start_monolith(stack) -> str:
    """The Flask + SQLAlchemy monolith reading the requests database; returns its URL."""
    env = dict(stack.processes["requests"].env)
    return _gunicorn(stack, "baseline monolith", "monolith:create_app()", str(BASELINES), env)


def start_hop_gateway(stack) -> str:
    """The gateway with the two one-RPC bench pages (``baselines/hop_gateway.py``)."""
    env = dict(stack.processes["gateway"].env)
    path = f"gateway,{BASELINES}"
    return _gunicorn(stack, "baseline gateway", "hop_gateway:create_app()", path, env)


def start_bare_service(stack, amqp_uri: str) -> None:
    """The bare nameko service; returns once it answers ``ping``."""
    from nameko.standalone.rpc import ClusterRpcProxy

    env = dict(stack.processes["requests"].env)
    command = [str(BIN / "nameko"), "run", "--config", "bare.yml", "bare_service"]
    process = _add(stack, "baseline bare", command, BASELINES, env)

    def answers() -> bool:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=2) as proxy:
            return proxy.bare.ping()["status"] == "ok"

    wait_until(answers, STARTUP_SECONDS, "bare service", [process])
