"""Prometheus metrics: the running portal's endpoints, scraped as Prometheus does.

The gateway serves them on a port of its own (the gunicorn master sums every worker);
each service beside its health endpoints. A report through the API, then a refused one,
must show in the request histogram of the gateway, the RPC histogram of requests and its
error counter (a wrong tracking key), the event histogram of notifications, and every service's outbox and dead-letter
gauges read from its database.
"""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families


def scrape(url: str) -> dict[str, list]:
    """Samples by name: [(labels, value), ...]."""
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200, f"{url}: {answer.status_code}"
    assert answer.headers["Content-Type"].startswith("text/plain")
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    found = [v for have, v in samples.get(name, []) if labels.items() <= have.items()]
    assert found, f"no {name} {labels} among {sorted(samples)}"
    return sum(found)


def test_les_metriques_de_chaque_composant_sont_exposees(stack, portal, helpers, new_email):
    created = portal.submit_api(helpers.api_body(new_email()))
    assert created.status_code == 201, created.text[:500]
    refused = portal.submit_api(helpers.api_body(new_email(), overrides={"category": "inconnue"}))
    assert refused.status_code in (400, 422), refused.text[:500]
    number = created.json()["tracking_number"]
    unknown = portal.get(f"/api/v1/reports/{number}", params={"key": "pas-la-bonne-cle"})
    assert unknown.status_code == 404

    gateway = scrape(stack.metrics_urls["gateway"])
    count = "portail_http_request_duration_seconds_count"
    assert value(gateway, count, method="POST", endpoint="/api/v1/reports", status="201") >= 1
    status = str(refused.status_code)
    assert value(gateway, count, method="POST", endpoint="/api/v1/reports", status=status) >= 1

    report_service = scrape(stack.metrics_urls["requests"])
    rpc = {"service": "requests", "entrypoint": "submit_report", "kind": "rpc"}
    assert value(report_service, "portail_entrypoint_duration_seconds_count", **rpc) >= 1
    assert value(report_service, "portail_entrypoint_duration_seconds_bucket", le="+Inf", **rpc)
    tracked = {**rpc, "entrypoint": "get_tracked_report"}
    errors = "portail_entrypoint_errors_total"
    assert value(report_service, errors, expected="true", **tracked) >= 1

    def handled() -> float:
        samples = scrape(stack.metrics_urls["notifications"])
        name = "portail_entrypoint_duration_seconds_count"
        wanted = {"service": "notifications", "kind": "event"}.items()
        return sum(v for labels, v in samples.get(name, []) if wanted <= labels.items())

    helpers.poll(handled, 30, "an event handled by notifications")
    notifications = scrape(stack.metrics_urls["notifications"])
    assert value(notifications, "portail_email_delivery_failures_total", final="true") >= 0

    for service in ("accounts", "requests", "notifications"):
        samples = scrape(stack.metrics_urls[service])
        assert value(samples, "portail_metrics_database_up", service=service) == 1
        for gauge in (
            "portail_outbox_pending_events",
            "portail_outbox_oldest_pending_age_seconds",
            "portail_outbox_set_aside_events",
            "portail_dead_letter_events",
        ):
            assert value(samples, gauge, service=service) >= 0
