"""From a report's ``201 Created`` to its confirmation e-mail in the SMTP sink.

The path behind that answer: the requests service's outbox relay publishes
``report_submitted``, notifications handles it and writes an outgoing message row, then its
one-second timer sends the message to the SMTP sink. Reports are sent one at a time on an
otherwise idle stack, so each one measures the path, not a queue. Two stages are told apart:
until the outgoing message row exists (relay + event + handler, seen by polling the
notifications database) and until the sink received the e-mail (timer + SMTP, from the
sink's own ``received_at`` stamp, so polling adds nothing to the total).

Each report waits a random fraction of the notifications timer's period before it is sent:
sent right after the previous confirmation, it would always land just after a tick and wait
almost a whole period, which is not what independent citizens see.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime

import requests
from loadgen import percentile

ROW_POLL_SECONDS = 0.002
SINK_POLL_SECONDS = 0.02
REPORT_TIMEOUT = 30.0
TIMER_PERIOD = 1.0
"""Seconds between two runs of the notifications service's delivery timer."""


def report_body(email: str) -> dict:
    """A valid report without a photo (the JSON API's ``SubmitReport``)."""
    return {
        "category": "voirie",
        "address": "12 avenue Général de Gaulle, 69300 Caluire-et-Cuire",
        "latitude": 45.7953,
        "longitude": 4.8467,
        "description": "Nid-de-poule profond sur la chaussée, devant le numéro 12.",
        "email": email,
    }


def measure_confirmations(stack, count: int, stop: threading.Event) -> dict:
    """Submit ``count`` reports one after another; percentiles of each stage, in ms."""
    totals, handled, sending, errors = [], [], [], 0
    with requests.Session() as session:
        for _ in range(count):
            if stop.wait(random.uniform(0, TIMER_PERIOD)):
                break
            try:
                total, row = _one_confirmation(stack, session)
            except (requests.RequestException, TimeoutError):
                errors += 1
                continue
            totals.append(total)
            handled.append(row)
            sending.append(total - row)
    return {
        "scenario": "POST -> e-mail in sink",
        "reports": len(totals) + errors,
        "errors": errors,
        "total_ms": _percentiles(totals),
        "until_message_row_ms": _percentiles(handled),
        "row_to_email_ms": _percentiles(sending),
    }


def _one_confirmation(stack, session: requests.Session) -> tuple[float, float]:
    """(POST answer -> e-mail received, POST answer -> outgoing message row) in ms."""
    email = f"bench-e2e-{secrets.token_hex(6)}@example.org"
    response = session.post(
        f"{stack.gateway_url}/api/v1/reports", json=report_body(email), timeout=30
    )
    answered = time.time()
    if response.status_code != 201:
        raise requests.RequestException(f"POST answered {response.status_code}")
    _wait(
        lambda: stack.count_rows("notifications", "outgoing_messages", "recipient = :r", r=email),
        ROW_POLL_SECONDS,
    )
    row_seen = time.time()
    messages = _wait(lambda: stack.messages(to=email), SINK_POLL_SECONDS)
    received = datetime.fromisoformat(messages[0]["received_at"]).timestamp()
    return (received - answered) * 1000, (row_seen - answered) * 1000


def _wait(probe: Callable, interval: float):
    """Poll ``probe`` until it returns something true; TimeoutError after a while."""
    deadline = time.monotonic() + REPORT_TIMEOUT
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(interval)
    raise TimeoutError("no confirmation in time")


def wait_for_backlog(stack, seconds: float) -> dict:
    """After the POST load: e-mails still to send, and how fast they go out (bounded wait)."""
    expected = stack.count_rows("requests", "reports")
    first = sent = _sent(stack)
    began = time.monotonic()
    while sent < expected and time.monotonic() - began < seconds:
        time.sleep(0.5)
        sent = _sent(stack)
    waited = time.monotonic() - began
    return {
        "pending_after_load": expected - first,
        "still_pending": expected - sent,
        "waited_s": round(waited, 1),
        "emails_per_s": round((sent - first) / waited, 1) if waited > 0.1 else None,
    }


def _sent(stack) -> int:
    return stack.count_rows("notifications", "outgoing_messages", "status = 'sent'")


def _percentiles(values: list[float]) -> dict:
    return {f"p{q}": percentile(values, q) for q in (50, 95)} | {
        "min": round(min(values), 1) if values else None,
        "max": round(max(values), 1) if values else None,
    }
