"""One request can be followed from the gateway into the services' logs by its X-Request-ID."""

from __future__ import annotations

import json
import uuid


def log_entries(stack, name: str) -> list[dict]:
    """The JSON lines of a process's log (other lines, such as warnings, are skipped)."""
    entries = []
    for line in stack.logs(name).splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return entries


def with_id(stack, name: str, request_id: str) -> list[dict]:
    return [e for e in log_entries(stack, name) if e.get("correlation_id") == request_id]


def test_x_request_id_suit_la_demande_jusqu_au_service(stack, portal, helpers, new_email):
    request_id = f"e2e-{uuid.uuid4()}"

    answer = portal.submit_api(helpers.api_body(new_email()), headers={"X-Request-ID": request_id})

    assert answer.status_code == 201, answer.text[:1000]
    assert answer.headers["X-Request-ID"] == request_id
    assert with_id(stack, "gateway", request_id), "the gateway did not log the request id"
    # The id did reach the service: its outbox row for report_submitted carries it.
    where = "correlation_id = :request_id"
    assert stack.count_rows("requests", "outbox_events", where, request_id=request_id) == 1
    for service, entrypoint in (
        ("requests", "requests.submit_report"),
        ("notifications", "notifications.on_report_submitted"),
    ):
        found = helpers.poll(
            lambda service=service: with_id(stack, service, request_id),
            10,
            f"a JSON log line of the {service} service with correlation_id {request_id}",
        )
        assert entrypoint in {entry.get("entrypoint") for entry in found}
