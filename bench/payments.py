"""Payment notifications through the gateway: distinct, duplicated and forged, and the
billing service's memory.

    .venv/bin/python -P bench/payments.py [--count 200] [--clients 20] [--json FILE]

Starts the whole portal once (``devstack.stack.start_stack``, production settings, the
payment simulator's shop key). Invoices and their payment attempts are written in the
billing database as ``start_payment`` writes them; the notifications are signed as the
simulator signs them and posted to ``POST /payments/systempay/notify`` by ``--clients``
threads. Scenarios, each with ``--count`` requests:

- baseline: forged notifications (bad signature): the gateway hop, the RPC and the raw
  store, nothing booked;
- distinct: one paid notification per attempt: each books a payment, its allocation and
  two events (and their e-mails);
- duplicates: ``--count`` copies of one paid notification at once: one payment, the rest
  answered "already booked".

Printed: requests per second, p50/p95 latency, answers by status, payments booked, and the
billing process's peak RSS after each scenario (``VmHWM``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from billing import books, domain
from billing.demo import demo_bill
from billing.models import Payment, PaymentAttempt
from procstats import stack_memory

from chassis.types import utcnow
from devstack.payments import DEFAULT_SWITCHES, OUTCOMES, Simulator
from devstack.stack import start_stack


def attempts(stack, count: int) -> list[dict]:
    """``count`` invoices of 94,40 €, each with an attempt redirected to the provider."""
    engine = create_engine(stack.database_urls["billing"])
    forms = []
    with Session(engine) as session, session.begin():
        now = utcnow()
        for number in range(count):
            invoice, _ = books.issue(session, demo_bill(now.date(), str(40000 + number)), now)
            attempt = PaymentAttempt(
                id=domain.new_id(),
                invoice_id=invoice.id,
                provider="systempay",
                amount_cents=invoice.total_cents,
                currency="978",
                state="redirected",
                created_at=now,
                updated_at=now,
            )
            session.add(attempt)
            forms.append(
                {
                    "vads_site_id": "12345678",
                    "vads_ctx_mode": "TEST",
                    "vads_trans_id": f"{number:06d}",
                    "vads_trans_date": (now + timedelta(seconds=number)).strftime("%Y%m%d%H%M%S"),
                    "vads_amount": str(invoice.total_cents),
                    "vads_currency": "978",
                    "vads_order_id": attempt.id,
                }
            )
    engine.dispose()
    return forms


def payments_booked(stack) -> int:
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(Payment))
    engine.dispose()
    return count


def signed(stack, form: dict, **switches) -> str:
    simulator = Simulator(stack.payment_key)
    simulator.switches = {**DEFAULT_SWITCHES, **switches}
    return urlencode(simulator.ipn(form, OUTCOMES["pay"], "PAY"))


def post_all(url: str, bodies: list[str], clients: int) -> dict:
    sessions = [requests.Session() for _ in range(clients)]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def post(index: int) -> tuple[int, float]:
        started = time.perf_counter()
        answer = sessions[index % clients].post(
            url, data=bodies[index], headers=headers, timeout=60
        )
        return answer.status_code, time.perf_counter() - started

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(post, range(len(bodies))))
    elapsed = time.perf_counter() - began
    latencies = sorted(seconds for _, seconds in results)
    statuses = [status for status, _ in results]
    return {
        "requests": len(bodies),
        "per_second": round(len(bodies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


def billing_peak(stack) -> float:
    return next(row for row in stack_memory(stack) if row["process"] == "billing")["peak_rss_mib"]


def measure(stack, count: int, clients: int) -> list[dict]:
    url = f"{stack.gateway_url}/payments/systempay/notify"
    forms = attempts(stack, count + 1)
    duplicate = signed(stack, forms[-1])
    scenarios = [
        (
            "baseline: forged (bad signature)",
            [signed(stack, f, bad_signature=True) for f in forms[:count]],
        ),
        ("distinct paid notifications", [signed(stack, f) for f in forms[:count]]),
        (f"{count} copies of one notification", [duplicate] * count),
    ]
    rows = [{"scenario": "idle", "billing_peak_rss_mib": billing_peak(stack)}]
    print(f"idle: billing peak RSS {rows[0]['billing_peak_rss_mib']} MiB")
    for name, bodies in scenarios:
        before = payments_booked(stack)
        figures = post_all(url, bodies, clients)
        figures.update(
            scenario=name,
            payments_booked=payments_booked(stack) - before,
            billing_peak_rss_mib=billing_peak(stack),
        )
        rows.append(figures)
        print(
            f"{name:<38} {figures['per_second']:>7} req/s  p50 {figures['p50_ms']:>6} ms  "
            f"p95 {figures['p95_ms']:>6} ms  {figures['statuses']}  "
            f"booked {figures['payments_booked']}  billing {figures['billing_peak_rss_mib']} MiB"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as workdir:
        stack = start_stack(Path(workdir))
        try:
            rows = measure(stack, args.count, args.clients)
        finally:
            stack.close()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
