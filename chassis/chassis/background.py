"""A background loop a dependency provider runs in its service: woken on demand, or every second.

    class Relay(DependencyProvider):
        def setup(self):
            self.loop = WakeableLoop("relay", self._step)

        def start(self):
            self.loop.start(self.container)

        def stop(self):
            self.loop.stop()

        def kill(self):
            self.loop.kill()

        def worker_teardown(self, worker_ctx):
            if <the worker left work to do>:
                self.loop.wake()

``step`` does one unit of work and returns True when there may be more: the loop calls it
again at once, and otherwise waits until ``wake`` is called or ``idle_seconds`` pass (the
safety net for work nobody woke it for, such as a retry that became due). A ``step`` that
raises is logged and tried again after the wait, so one failure never stops the loop.

``stop`` lets the step in progress finish (at most ``stop_grace`` seconds), so a unit of work
is not cut in the middle by a graceful shutdown; ``kill`` does not wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0


class WakeableLoop:
    """Calls ``step`` in a managed thread of the container, while it says there is more."""

    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        idle_seconds: float = IDLE_SECONDS,
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.name = name
        self.step = step
        self.idle_seconds = idle_seconds
        self.stop_grace = stop_grace
        self._wake = threading.Event()
        self._done = threading.Event()
        self._running = False

    def start(self, container) -> None:
        self._running = True
        self._done.clear()
        container.spawn_managed_thread(self._run, identifier=self.name)

    def wake(self) -> None:
        """Run the next step now instead of after the idle wait."""
        self._wake.set()

    def stop(self) -> None:
        """Ask the loop to end, and wait for the step in progress (bounded by ``stop_grace``)."""
        was_running = self._running
        self.kill()
        if was_running:
            self._done.wait(self.stop_grace)

    def kill(self) -> None:
        """Ask the loop to end, without waiting (the container kills the thread next)."""
        self._running = False
        self._wake.set()

    def _run(self) -> None:
        try:
            while self._running:
                self._wake.clear()
                try:
                    while self._running and self.step():
                        pass
                except Exception:
                    log.exception("%s: pass failed; retrying", self.name)
                if self._running:
                    self._wake.wait(self.idle_seconds)
        finally:
            self._done.set()
