"""gunicorn settings of the gateway: Prometheus metrics across its worker processes.

    gunicorn -c python:gateway.gunicorn_config ... 'gateway:create_app()'

gunicorn runs several worker processes, each with its own counters. prometheus_client's
multiprocess mode makes each worker write its samples to files in ``PROMETHEUS_MULTIPROC_DIR``
(set here, in the master, before any worker starts, to a fresh folder of its own unless
given); the master serves the sum of all workers, dead ones included (counters never go
back), on ``GATEWAY_METRICS_ADDRESS`` (default ``0.0.0.0:9100``), a port of its own that the
public entry point never routes to, so citizens cannot read the portal's metrics.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

METRICS_ADDRESS = os.environ.get("GATEWAY_METRICS_ADDRESS", "0.0.0.0:9100")
MULTIPROC_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="portail-gateway-metrics-")
)


def on_starting(server) -> None:
    """Start from empty files: samples of a previous run are not this run's."""
    folder = Path(MULTIPROC_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def when_ready(server) -> None:
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    host, port = METRICS_ADDRESS.rsplit(":", 1)
    start_http_server(int(port), addr=host, registry=registry)
    server.log.info("Prometheus metrics on http://%s/metrics", METRICS_ADDRESS)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
