"""Benchmark of a citizen's report path, from the gateway to the confirmation e-mail.

    .venv/bin/python -P bench/report_path.py [--seconds N] [--rounds N] [--json FILE]

Starts the whole portal once, as in production (``devstack.stack.start_stack``), and the
monolith baseline (``baselines/monolith.py``) beside it, measures each scenario at each level
of concurrent clients (``--read-clients``, ``--write-clients``), prints a table where every
row is compared with the ``/healthz`` baseline of the same run and the issue's goals, and
optionally writes the figures as JSON. ``--rounds`` repeats every load on the same stack and
prints each process's memory after each round. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import signal
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

# -P keeps the repository root off sys.path (its folders shadow the installed packages);
# this script's own folder holds only the bench modules, so it is safe to add.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from baseline_processes import is_baseline, start_monolith
from endtoend import measure_confirmations, report_body, wait_for_backlog
from loadgen import WARMUP_REQUESTS, run_load
from procstats import cpu_seconds, stack_memory
from tables import print_report, with_baseline

from devstack.stack import start_stack


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario and level")
    parser.add_argument(
        "--read-clients", type=int, nargs="+", default=[1, 4, 8], help="levels of the reads"
    )
    parser.add_argument(
        "--write-clients", type=int, nargs="+", default=[1, 4], help="levels of the writes"
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat every load (memory)")
    parser.add_argument("--max-requests", type=int, default=3000, help="per scenario and level")
    parser.add_argument("--reports", type=int, default=20, help="end-to-end reports")
    parser.add_argument("--drain-seconds", type=float, default=60.0, help="e-mail backlog wait")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    return parser.parse_args(argv)


def scenarios(base: str, monolith: str, number: str, key: str) -> list[tuple[str, object, int]]:
    """(name, send, expected status): the baseline first, the write last."""
    path = f"/api/v1/reports/{number}"
    writes = itertools.count(1)

    def post_report(session: requests.Session) -> requests.Response:
        # Each report from its own address and e-mail: the per-IP and per-e-mail limits
        # (30 and 20 an hour) would otherwise refuse the load after its first seconds.
        n = next(writes)
        return session.post(
            f"{base}/api/v1/reports",
            json=report_body(f"bench-load-{n}@example.org"),
            headers={"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"},
            timeout=30,
        )

    return [
        ("GET /healthz", lambda s: s.get(f"{base}/healthz", timeout=30), 200),
        ("GET /readyz", lambda s: s.get(f"{base}/readyz", timeout=30), 200),
        ("GET report", lambda s: s.get(base + path, params={"key": key}, timeout=30), 200),
        (MONOLITH, lambda s: s.get(monolith + path, params={"key": key}, timeout=30), 200),
        ("POST report", post_report, 201),
    ]


PORTAL_CPU = ("gateway", "accounts", "requests", "notifications", "smtp")
"""What "the whole stack" spends on a report: the SMTP sink stands for the mail server."""

MONOLITH = "GET report, monolith"
"""The baseline of ``GET report``: ``baselines/monolith.py`` on the same database."""


def run(stack, args: argparse.Namespace, stop: threading.Event) -> dict:
    """Every measurement on the running stack; the writes last, since they leave e-mails
    to send: the end-to-end path is measured before them, on an idle stack."""
    created = requests.post(
        f"{stack.gateway_url}/api/v1/reports", json=report_body("bench-get@example.org"), timeout=30
    )
    created.raise_for_status()
    report = created.json()
    monolith = start_monolith(stack)
    rounds, end_to_end = [], None
    for number in range(1, args.rounds + 1):
        rows = []
        for name, send, status in scenarios(
            stack.gateway_url, monolith, report["tracking_number"], report["tracking_key"]
        ):
            if name == "POST report" and number == 1:
                print(f"end to end, {args.reports} reports ...", flush=True)
                end_to_end = measure_confirmations(stack, args.reports, stop)
            levels = args.write_clients if name.startswith("POST") else args.read_clients
            for clients in sorted(set(levels)):
                print(f"round {number}: {name}, {clients} client(s) ...", flush=True)
                rows.append(measure_level(stack, args, stop, (name, send, status), clients))
        rounds.append({"load": with_baseline(rows), "processes": stack_memory(stack)})
    return {**rounds[0], "end_to_end": end_to_end, "rounds": rounds}


def measure_level(stack, args, stop, scenario: tuple, clients: int) -> dict:
    """One scenario at one concurrency, with the CPU each process spent on it. After a write
    load, wait for its e-mails, so the next measurement starts on an idle stack again."""
    name, send, status = scenario
    before = cpu_seconds(stack)
    summary = run_load(name, send, status, clients, args.seconds, args.max_requests, stop).summary()
    sent = summary["requests"] + WARMUP_REQUESTS * clients  # the warm-up is in the window
    summary["cpu_ms_per_request"] = cpu_per_request(before, stack, sent)
    if name == "POST report":
        print("  waiting for its e-mails ...", flush=True)
        summary["email_backlog"] = wait_for_backlog(stack, args.drain_seconds)
        drained = cpu_per_request(before, stack, sent)
        summary["stack_cpu_ms_per_request_with_emails"] = round(
            sum(ms for name, ms in drained.items() if name in PORTAL_CPU), 2
        )
    return summary


def cpu_per_request(before: dict[str, float], stack, requests_done: int) -> dict:
    """CPU ms each process spent per request since ``before`` (work left queued after the
    window, such as e-mails, is not in it)."""
    after = cpu_seconds(stack)
    count = max(requests_done, 1)
    return {name: round((after[name] - before.get(name, 0.0)) * 1000 / count, 2) for name in after}


def describe_machine(args: argparse.Namespace) -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "settings": {k: v for k, v in vars(args).items() if k != "json"},
        "stack": "gunicorn gthread 2 workers x 4 threads, RPC pool per worker (RPC_POOL_SIZE), "
        "nameko services accounts + requests + notifications, PostgreSQL, RabbitMQ, SMTP sink, "
        "FranceConnect test provider; baseline: the monolith under the same gunicorn settings",
    }


def measure(args: argparse.Namespace) -> dict:
    """Start the stack in a temporary folder, measure, read the memory, always close it."""
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="bench-report-path-") as workdir:
        print("starting the stack ...", flush=True)
        stack = start_stack(Path(workdir))  # closes what it started if it fails
        try:
            figures = run(stack, args, stop)
            figures["processes"] = stack_memory(stack)
            for row in figures["processes"]:
                row["baseline"] = is_baseline(row["process"])
            return figures
        finally:
            stop.set()
            stack.close()


def _interrupt(signum, frame) -> None:
    """SIGTERM behaves like Ctrl+C, so the stack is closed either way."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    figures = describe_machine(args)
    try:
        figures |= measure(args)
    except KeyboardInterrupt:
        print("interrupted: the stack was closed", file=sys.stderr)
        return 130
    print_report(figures)
    save(figures, args.json)
    return 0


def save(figures: dict, path: Path | None) -> None:
    """Write the figures as JSON to ``path``, if one was given."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
        print(f"\nfigures written to {path}")


if __name__ == "__main__":
    sys.exit(main())
