"""What one RPC hop costs: a portal service against a bare nameko service, then in a page.

    .venv/bin/python -P bench/rpc_hop.py [--calls N] [--seconds N] [--json FILE]

Starts the portal (``devstack.stack.start_stack``), a bare nameko service with no dependency
(``baselines/bare_service.py``) on the same broker, and the gateway with two bench pages that
each make one RPC doing no I/O (``baselines/hop_gateway.py``). Then, from this process:

1. a plain ``ClusterRpcProxy`` calls ``bare.ping`` (the **baseline**), ``requests.ping`` and
   ``requests.list_report_categories`` (caller signed here, verified by the service), in
   alternating blocks so that a burst of noise on the machine hits all three;
2. one HTTP client loads ``/healthz`` (the page baseline), ``/bench/bare`` and
   ``/bench/categories``.

Goals (issue 11): ``requests.ping`` within 1.2x ``bare.ping`` at the median, and a page's p50
over ``/healthz`` at most 1.5x the bare round trip.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_processes import start_bare_service, start_hop_gateway
from loadgen import percentile, run_load
from nameko.standalone.rpc import ClusterRpcProxy
from procstats import cpu_seconds
from report_path import describe_machine, save

from contracts import signed_caller
from contracts.identity import ANONYMOUS
from devstack.stack import start_stack
from gateway.rpc import bind_context

BLOCK = 100


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="plain-client calls per target")
    parser.add_argument("--seconds", type=float, default=5.0, help="per page scenario")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    return parser.parse_args(argv)


def plain_client(stack, amqp_uri: str, calls: int) -> list[dict]:
    """Round trips of a plain standalone proxy, in alternating blocks of ``BLOCK`` calls."""

    def categories(proxy):
        cid = str(uuid.uuid4())
        bind_context(proxy, cid)
        token = signed_caller.sign(
            ANONYMOUS,
            stack.caller_key,
            service="requests",
            method="list_report_categories",
            correlation_id=cid,
        )
        return proxy.requests.list_report_categories(token)

    targets = {
        "bare.ping": lambda proxy: proxy.bare.ping(),
        "requests.ping": lambda proxy: proxy.requests.ping(),
        "requests.list_report_categories": categories,
    }
    owner = {"bare.ping": "baseline bare"}
    latencies = {name: [] for name in targets}
    cpu = {name: 0.0 for name in targets}
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        for call in targets.values():
            for _ in range(20):  # warm-up
                call(proxy)
        for _ in range(max(1, calls // BLOCK)):
            for name, call in targets.items():
                process = owner.get(name, "requests")
                before = cpu_seconds(stack)[process]
                for _ in range(BLOCK):
                    began = time.perf_counter()
                    call(proxy)
                    latencies[name].append((time.perf_counter() - began) * 1000)
                cpu[name] += cpu_seconds(stack)[process] - before
    base = percentile(latencies["bare.ping"], 50)
    rows = []
    for name, values in latencies.items():
        p50 = percentile(values, 50)
        rows.append(
            {
                "scenario": name,
                "calls": len(values),
                "p50_ms": p50,
                "p95_ms": percentile(values, 95),
                "x_bare_p50": round(p50 / base, 2),
                "service_cpu_ms_per_call": round(cpu[name] * 1000 / len(values), 3),
            }
        )
    return rows


def pages(stack, url: str, seconds: float, bare_p50: float) -> list[dict]:
    """One client on the bench pages; each page's p50 over /healthz, in bare round trips."""
    stop = threading.Event()
    rows = []
    for name, path in (
        ("GET /healthz", "/healthz"),
        ("GET /bench/bare", "/bench/bare"),
        ("GET /bench/categories", "/bench/categories"),
    ):
        before = cpu_seconds(stack)
        send = lambda s, path=path: s.get(f"{url}{path}", timeout=30)  # noqa: E731
        row = run_load(name, send, 200, 1, seconds, 100_000, stop).summary()
        after = cpu_seconds(stack)
        count = max(row["requests"], 1)
        row["cpu_ms_per_request"] = {
            process: round((after[process] - before[process]) * 1000 / count, 2)
            for process in ("baseline gateway", "requests", "baseline bare", "bench client")
        }
        rows.append(row)
    healthz = rows[0]["p50_ms"]
    for row in rows:
        row["extra_p50_ms"] = round(row["p50_ms"] - healthz, 2)
        row["extra_in_bare_round_trips"] = round((row["p50_ms"] - healthz) / bare_p50, 2)
    return rows


def print_report(figures: dict) -> None:
    print(f"\n{figures['date']}  load average at start: {figures['load_average_at_start']}")
    print(
        f"\n{'plain ClusterRpcProxy':<34}{'calls':>7}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'x bare':>8}{'service CPU ms':>16}"
    )
    for r in figures["plain_client"]:
        print(
            f"{r['scenario']:<34}{r['calls']:>7}{r['p50_ms']:>8}{r['p95_ms']:>8}"
            f"{r['x_bare_p50']:>8}{r['service_cpu_ms_per_call']:>16}"
        )
    print(
        f"\n{'page, 1 client':<24}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'+ms p50':>9}"
        f"{'x bare RTT':>11}  CPU ms per request"
    )
    for r in figures["pages"]:
        cpu = ", ".join(f"{k} {v}" for k, v in r["cpu_ms_per_request"].items())
        print(
            f"{r['scenario']:<24}{r['requests_per_s']:>8}{r['p50_ms']:>8}{r['p95_ms']:>8}"
            f"{r['extra_p50_ms']:>9}{r['extra_in_bare_round_trips']:>11}  {cpu}"
        )
    print("\ngoals: requests.ping <= 1.2 x bare; a page's extra p50 <= 1.5 bare round trips")


def measure(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-rpc-hop-") as workdir:
        print("starting the stack and the baselines ...", flush=True)
        stack = start_stack(Path(workdir))
        try:
            amqp_uri = stack.processes["requests"].env["AMQP_URI"]
            start_bare_service(stack, amqp_uri)
            url = start_hop_gateway(stack)
            print("plain client ...", flush=True)
            plain = plain_client(stack, amqp_uri, args.calls)
            bare_p50 = plain[0]["p50_ms"]
            print("pages ...", flush=True)
            return {"plain_client": plain, "pages": pages(stack, url, args.seconds, bare_p50)}
        finally:
            stack.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = describe_machine(args)
    figures["stack"] = "bare nameko service + requests service + gateway with bench pages"
    figures |= measure(args)
    print_report(figures)
    save(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
