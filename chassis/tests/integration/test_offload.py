"""Heavy work leaves the hub, and no more than the configured number of jobs run at once."""

from __future__ import annotations

import eventlet
import pytest
from eventlet import patcher

from chassis.offload import BoundedWork

real_threading = patcher.original("threading")
real_time = patcher.original("time")


class Probe:
    """Counts the jobs running at the same moment, in real threads."""

    def __init__(self, wait_for: int) -> None:
        self.lock = real_threading.Lock()
        self.running = 0
        self.most = 0
        self.threads: set[int] = set()
        self.crowded = real_threading.Event()
        self.wait_for = wait_for

    def job(self) -> int:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(real_threading.get_ident())
            if self.running >= self.wait_for:
                self.crowded.set()
        # Hold the slot until as many jobs as asked run together (or a while has passed), so
        # that a missing bound would let more of them in meanwhile.
        self.crowded.wait(2)
        real_time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return 1


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_no_more_jobs_than_the_setting_run_at_once(monkeypatch, limit):
    monkeypatch.setenv("TEST_JOB_CONCURRENCY", str(limit))
    work = BoundedWork("TEST_JOB_CONCURRENCY", default=8)
    probe = Probe(wait_for=limit)
    hub_ticks = []

    def ticker():
        while len(hub_ticks) < 5:
            hub_ticks.append(1)
            eventlet.sleep(0.01)

    tick = eventlet.spawn(ticker)
    results = [eventlet.spawn(work.run, probe.job) for _ in range(8)]
    assert sum(thread.wait() for thread in results) == 8
    tick.wait()
    assert probe.most == limit
    assert real_threading.get_ident() not in probe.threads  # off the hub
    assert len(hub_ticks) == 5  # the hub kept running other greenthreads meanwhile


def test_default_applies_when_setting_is_absent(monkeypatch):
    monkeypatch.delenv("TEST_JOB_CONCURRENCY", raising=False)
    assert BoundedWork("TEST_JOB_CONCURRENCY", default=2).limit == 2
