"""Benchmark: 2,000 parents ask at once for the last places of a canteen day, through the gateway.

    .venv/bin/python -P bench/rush.py [--parents 2000] [--places 100] [--clients 50]

Starts the whole portal once (``devstack.stack.start_stack``), then stores the parents as a
load fixture: an account with an open session (accounts database) and a family of one
schooled child linked to it (family database) each. The day is the first canteen day whose
deadline is still open; its counter is set to ``--places`` places. Each client thread takes
the next parent, reads a page for its CSRF token (not timed), then posts the day form
(``/famille/<id>/enfants/<child>/jours/restauration_scolaire``) as the parent's browser does:
the timed attempt goes through gunicorn, the signed RPC and the family service's locked
transaction.

It prints: **overbooked** (bookings above the capacity: must be 0), **lost** (attempts that
ended neither booked nor on the waiting list, HTTP errors included: must be 0), p50/p95
latency and attempts per second; and, in the same run, the **baseline**: the same
transaction (``family.enrolment.change`` with its outbox row, on a second day with the same
capacity) run directly on PostgreSQL by 8 client threads, each with its own connection.
The issue's goal: the gateway's attempts per second at least 50% of the baseline's.
"""

from __future__ import annotations

import argparse
import queue
import re
import sys
import tempfile
import threading
import time
from datetime import date
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench modules (see report_path)

from loadgen import percentile
from procstats import stack_and_servers_cpu
from rush_fixture import CANTEEN, open_days, set_capacity, store_parents
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from chassis import tables
from chassis.outbox import OutboxWriter
from chassis.types import utcnow
from contracts.family_activities import ATTENDANCE_CHANGED, AttendanceChanged
from devstack.stack import start_stack
from family import enrolment, enrolment_views
from family.enrolment_repository import Enrolments
from family.models import Base

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_COOKIE = "portail_session"


def through_gateway(stack, parents: list[dict], day: date, clients: int) -> dict:
    """Every parent's attempt, ``clients`` at a time; latency of the POST only.

    Each client first opens, for each of its parents, the child's activities page, where the
    day form is (not timed): the parent's browser then holds the CSRF token and its own
    ``portail_etat`` cookie, in which the gateway keeps the families the account is linked to.
    The clock starts when every client is ready, so the attempts arrive together. A client is
    one kept-alive HTTP/1.1 connection (``http.client``), as a browser keeps one.
    """
    latencies, errors, lock = [], [], threading.Lock()
    ready = threading.Barrier(clients + 1)
    address = urlsplit(stack.gateway_url)

    def client(share: list[dict]) -> None:
        http = HTTPConnection(address.hostname, address.port, timeout=60)
        forms = [_day_form(http, parent) for parent in share]
        http.close()  # idle while the others get ready: a fresh connection for the rush
        ready.wait()
        for parent, browser in zip(share, forms, strict=True):
            started = time.perf_counter()
            ok = _post_day(http, parent, browser, day)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies if ok else errors).append(elapsed)
        http.close()

    threads = [
        threading.Thread(target=client, args=(parents[i::clients],), daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    cpu_before = stack_and_servers_cpu(stack)
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cpu_after = stack_and_servers_cpu(stack)
    figures = _figures("gateway", clients, latencies, errors, seconds)
    figures["cpu_ms_per_attempt"] = {
        name: round((cpu_after[name] - cpu_before.get(name, 0.0)) * 1000 / len(parents), 1)
        for name in cpu_after
        if cpu_after[name] - cpu_before.get(name, 0.0) >= 0.05
    }
    return figures


def _child_path(parent: dict) -> str:
    return f"/famille/{parent['family']}/enfants/{parent['child']}"


def _day_form(http: HTTPConnection, parent: dict) -> dict:
    """The parent's browser after it opened the activities page: its CSRF token and cookies."""
    cookies = {SESSION_COOKIE: parent["token"]}
    try:
        status, headers, body = _exchange(http, "GET", f"{_child_path(parent)}/activites", cookies)
    except (OSError, HTTPException):  # its attempt will fail, and count as lost
        return {"csrf": "", "cookies": cookies}
    found = CSRF.search(body.decode("utf-8")) if status == 200 else None
    for name, value in _set_cookies(headers):
        cookies[name] = value
    return {"csrf": found.group(1) if found else "", "cookies": cookies}


def _post_day(http: HTTPConnection, parent: dict, browser: dict, day: date) -> bool:
    """The day form as the parent's browser sends it; True when the gateway accepted it."""
    form = {"csrf_token": browser["csrf"], "shown": day.isoformat(), "days": day.isoformat()}
    path = f"{_child_path(parent)}/jours/{CANTEEN.code}"
    try:
        status, _, _ = _exchange(http, "POST", path, browser["cookies"], urlencode(form))
    except (OSError, HTTPException):
        return False
    return status == 303


def _exchange(http: HTTPConnection, method: str, path: str, cookies: dict, form: str = ""):
    """One request on the kept connection: status, headers and body of the answer."""
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        http.request(method, path, body=form or None, headers=headers)
        answer = http.getresponse()
        return answer.status, answer.headers, answer.read()
    except (OSError, HTTPException):
        http.close()  # the next request opens a new connection
        raise


def _set_cookies(headers) -> list[tuple[str, str]]:
    """The ``name=value`` of each ``Set-Cookie`` header."""
    pairs = []
    for header in headers.get_all("Set-Cookie") or ():
        name, _, value = header.split(";", 1)[0].partition("=")
        pairs.append((name.strip(), value.strip()))
    return pairs


def directly_on_postgresql(url: str, parents: list[dict], day: date, clients: int) -> dict:
    """The same transaction, no gateway, no broker: 8 threads, one connection each."""
    engine = create_engine(url, pool_size=clients, max_overflow=0)
    outbox_table = tables.table(Base.metadata, tables.OUTBOX)
    work: queue.Queue = queue.Queue()
    for parent in parents:
        work.put(parent)
    latencies, errors, lock = [], [], threading.Lock()

    def client() -> None:
        while True:
            try:
                parent = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                _attempt(engine, outbox_table, parent, day)
                ok = True
            except Exception:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies if ok else errors).append(elapsed)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    engine.dispose()
    return _figures("PostgreSQL direct", clients, latencies, errors, seconds)


def _attempt(engine, outbox_table, parent: dict, day: date) -> None:
    now = utcnow()
    with Session(engine) as session, session.begin():
        repo = Enrolments(session)
        child = repo.child(parent["child"])
        requested = {"add": [day], "remove": [], "absent": []}
        outcome = enrolment.change(repo, child, CANTEEN, requested, now)
        if outcome.changed:
            event = enrolment_views.attendance_event(
                child.family, child, CANTEEN, outcome, "famille", [], now
            )
            OutboxWriter(outbox_table).add(session, ATTENDANCE_CHANGED, AttendanceChanged(), event)


def _figures(name: str, clients: int, latencies: list, errors: list, seconds: float) -> dict:
    attempts = len(latencies) + len(errors)
    return {
        "scenario": name,
        "clients": clients,
        "attempts": attempts,
        "errors": len(errors),
        "attempts_per_s": round(attempts / seconds, 1) if seconds else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
    }


def outcome(url: str, day: date, parents: int, places: int) -> dict:
    """Overbooked and lost, counted in the family database."""
    engine = create_engine(url)
    with engine.connect() as connection:
        params = {"day": day}
        booked = connection.scalar(text("select count(*) from bookings where day = :day"), params)
        waiting = connection.scalar(
            text("select count(*) from waiting_entries where :day = any(days)"), params
        )
    engine.dispose()
    return {
        "booked": booked,
        "waiting": waiting,
        "overbooked": max(0, booked - places),
        "lost": parents - booked - waiting,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=2000)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--clients", type=int, default=50, help="gateway client threads")
    args = parser.parse_args(argv)
    rush_day, baseline_day = open_days(2)
    with tempfile.TemporaryDirectory(prefix="bench-rush-") as folder:
        stack = start_stack(Path(folder))
        try:
            family_url = stack.database_urls["family"]
            parents = store_parents(stack, args.parents)
            set_capacity(family_url, rush_day, args.places)
            set_capacity(family_url, baseline_day, args.places)
            rows = [through_gateway(stack, parents, rush_day, args.clients)]
            rows[0].update(outcome(family_url, rush_day, args.parents, args.places))
            rows.append(directly_on_postgresql(family_url, parents, baseline_day, 8))
            rows[1].update(outcome(family_url, baseline_day, args.parents, args.places))
        finally:
            stack.close()
    print(
        f"\n{args.parents} parents, {args.places} places, canteen days {rush_day} / {baseline_day}"
    )
    header = (
        f"{'scenario':<20}{'clients':>8}{'attempts':>9}{'errors':>7}{'booked':>7}{'waiting':>8}"
        f"{'overbooked':>11}{'lost':>5}{'att/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
    )
    print(header + "\n" + "-" * len(header))
    for r in rows:
        print(
            f"{r['scenario']:<20}{r['clients']:>8}{r['attempts']:>9}{r['errors']:>7}"
            f"{r['booked']:>7}{r['waiting']:>8}{r['overbooked']:>11}{r['lost']:>5}"
            f"{r['attempts_per_s']:>8}{r['p50_ms']:>8}{r['p95_ms']:>8}"
        )
    share = (
        rows[0]["attempts_per_s"] / rows[1]["attempts_per_s"] if rows[1]["attempts_per_s"] else 0
    )
    cpu = rows[0]["cpu_ms_per_attempt"]
    print(
        "\nCPU ms per attempt through the gateway, by process: "
        + ", ".join(f"{name} {ms}" for name, ms in sorted(cpu.items(), key=lambda item: -item[1]))
        + f" (all: {sum(cpu.values()):.1f})"
    )
    print(f"\ngateway throughput = {share:.0%} of the direct PostgreSQL baseline (goal: >= 50%)")
    return 0 if rows[0]["overbooked"] == 0 and rows[0]["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
