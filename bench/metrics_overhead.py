"""What the Prometheus metrics cost per worker and per scrape, beside a same-run baseline.

    .venv/bin/python -P bench/metrics_overhead.py [--workers N]

- per worker: ``chassis.metrics.ServiceMetrics``'s ``worker_setup`` + ``worker_result`` (one
  histogram observation), against the same two calls on a dependency that does nothing;
- per request of the gateway: its ``after_request`` observation, against a bare Flask app;
- per scrape: rendering the exposition text of a process that has seen every entrypoint.

No broker or database is needed: the hooks are called as nameko and Flask call them.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

from flask import Flask
from nameko.rpc import Rpc

from chassis.metrics import ServiceMetrics
from gateway import metrics as gateway_metrics


class Baseline:
    def worker_setup(self, worker_ctx) -> None:
        pass

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        pass


def per_worker(provider, contexts: list) -> float:
    started = time.perf_counter()
    for context in contexts:
        provider.worker_setup(context)
        provider.worker_result(context, None, None)
    return (time.perf_counter() - started) / len(contexts) * 1e6


class Context:
    """Stands for nameko's WorkerContext: what the hooks read of it."""

    def __init__(self, entrypoint) -> None:
        self.entrypoint = entrypoint


def contexts(count: int) -> list:
    entrypoint = Rpc.__new__(Rpc)
    entrypoint.method_name = "submit_report"
    entrypoint.expected_exceptions = ()
    return [Context(entrypoint) for _ in range(count)]


def per_request(app: Flask, count: int) -> float:
    client = app.test_client()
    started = time.perf_counter()
    for _ in range(count):
        client.get("/ping")
    return (time.perf_counter() - started) / count * 1e6


def flask_app(with_metrics: bool) -> Flask:
    app = Flask("bench")
    app.add_url_rule("/ping", "ping", lambda: "ok")
    if with_metrics:
        gateway_metrics.init_app(app)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=100_000)
    count = parser.parse_args().workers
    metrics = ServiceMetrics()
    metrics.container = SimpleNamespace(service_name="requests")
    baseline_us = per_worker(Baseline(), contexts(count))
    metrics_us = per_worker(metrics, contexts(count))
    print(f"per worker: {metrics_us:.2f} µs with ServiceMetrics, {baseline_us:.2f} µs baseline")
    requests = max(count // 10, 1000)
    bare_us = per_request(flask_app(False), requests)
    timed_us = per_request(flask_app(True), requests)
    print(
        f"per gateway request (Flask test client): {timed_us:.1f} µs timed, {bare_us:.1f} µs bare"
    )
    from prometheus_client import REGISTRY, generate_latest

    started = time.perf_counter()
    size = len(generate_latest(REGISTRY))
    print(
        f"one scrape of the process registry: {(time.perf_counter() - started) * 1e3:.2f} ms, {size} bytes"
    )


if __name__ == "__main__":
    main()
