"""Prometheus metrics of the gateway (served by the gunicorn master, see ``gunicorn_config``).

- ``portail_http_request_duration_seconds{method, endpoint, status}``: a histogram of each
  request's duration, by Flask route (the rule, e.g. ``/suivi/<number>``, so that ids do not
  make a series each; ``<unmatched>`` for a 404 outside any route) and status code: the 5xx
  rate is read from it.
- ``portail_payment_callbacks_total{provider, outcome}``: payment provider notifications by
  outcome, as the billing service judged them (``contracts.billing.CALLBACK_OUTCOMES``:
  ``accepted``, ``duplicate``, ``refused_signature``, ``refused_amount``, ``refused_unknown``,
  ``error``), counted by ``POST /payments/<provider>/notify``; the alert rules read it.

Under gunicorn the samples of every worker are summed (multiprocess mode); in a single
process (tests, ``flask run``) the default registry holds them.
"""

from __future__ import annotations

import time
from functools import cache

from flask import Flask, g, request

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@cache
def series() -> dict:
    """The gateway's metrics, made on first use.

    prometheus_client chooses its multiprocess mode when it is first imported: this module is
    imported by gunicorn's master (with the package, when it loads ``gunicorn_config``) before
    that config sets ``PROMETHEUS_MULTIPROC_DIR``, so the library is imported here, in the
    worker, on first use.
    """
    from prometheus_client import Counter, Histogram

    return {
        "http_seconds": Histogram(
            "portail_http_request_duration_seconds",
            "Duration of the gateway's HTTP requests, by route and status.",
            ["method", "endpoint", "status"],
            buckets=BUCKETS,
        ),
        "payment_callbacks": Counter(
            "portail_payment_callbacks_total",
            "Payment provider notifications received, by outcome.",
            ["provider", "outcome"],
        ),
    }


def record_payment_callback(provider: str, outcome: str) -> None:
    """Count one payment notification of ``provider`` that ended in ``outcome``."""
    series()["payment_callbacks"].labels(provider, outcome).inc()


def init_app(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
            labels = (request.method, rule, str(response.status_code))
            series()["http_seconds"].labels(*labels).observe(time.perf_counter() - started)
        return response
