"""A small closed-loop load generator: N client threads, each with its own HTTP session.

Every client sends one request, waits for the answer, and sends the next, until the time
budget or the shared request budget runs out. The figures therefore describe latency under
a fixed concurrency (not an open arrival rate), which is what a handful of browsers or a
partner's batch job do. The client runs on the same machine as the stack, so its own
overhead is in every figure: compare a row with the ``/healthz`` baseline of the same run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

Send = Callable[[requests.Session], requests.Response]
"""Sends one request with the given session and returns the answer."""

WARMUP_REQUESTS = 5
"""Per client, before the clock starts: opens connections, gunicorn threads, RPC proxies."""
WARMUP_TIMEOUT = 120.0
"""Seconds the clients wait for each other after warming up (a dead client breaks the wait)."""


@dataclass
class LoadResult:
    """What one scenario at one concurrency produced."""

    name: str
    clients: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    def summary(self) -> dict:
        """Throughput and latency percentiles, rounded for printing and JSON."""
        done = len(self.latencies_ms) + self.errors
        return {
            "scenario": self.name,
            "clients": self.clients,
            "requests": done,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "p99_ms": percentile(self.latencies_ms, 99),
        }


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation (None when there is no value)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 2)


class _Budget:
    """The shared request budget: a thread takes a ticket before each request."""

    def __init__(self, requests_left: int, seconds: float, stop: threading.Event) -> None:
        self._left = requests_left
        self._seconds = seconds
        self._stop = stop
        self._lock = threading.Lock()
        self.began = self._deadline = 0.0

    def arm(self) -> None:
        """Start the clock: called once, when every client has warmed up."""
        self.began = time.perf_counter()
        self._deadline = self.began + self._seconds

    def take(self) -> bool:
        if self._stop.is_set() or time.perf_counter() >= self._deadline:
            return False
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def run_load(
    name: str,
    send: Send,
    expected_status: int,
    clients: int,
    seconds: float,
    max_requests: int,
    stop: threading.Event,
) -> LoadResult:
    """Run ``send`` from ``clients`` threads for ``seconds`` or ``max_requests`` in total.

    Errors (an exception or another status than ``expected_status``) are counted, and their
    latency left out, so a fast failure cannot make a scenario look quick.
    """
    result = LoadResult(name, clients)
    budget = _Budget(max_requests, seconds, stop)
    start = threading.Barrier(clients, action=budget.arm, timeout=WARMUP_TIMEOUT)
    lock = threading.Lock()

    def client() -> None:
        with requests.Session() as session:
            for _ in range(WARMUP_REQUESTS):
                _timed(send, session, expected_status)
            try:
                start.wait()
            except threading.BrokenBarrierError:  # another client died while warming up
                return
            latencies, errors = [], 0
            while budget.take():
                latency = _timed(send, session, expected_status)
                if latency is None:
                    errors += 1
                else:
                    latencies.append(latency)
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if budget.began:
        result.seconds = time.perf_counter() - budget.began
    return result


def _timed(send: Send, session: requests.Session, expected_status: int) -> float | None:
    """Milliseconds one request took, or None if it failed."""
    began = time.perf_counter()
    try:
        response = send(session)
    except requests.RequestException:
        return None
    elapsed = (time.perf_counter() - began) * 1000
    return elapsed if response.status_code == expected_status else None
