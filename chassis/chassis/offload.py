"""CPU- and memory-heavy work run off eventlet's hub, a bounded number of jobs at a time.

    hashing = BoundedWork("ARGON2_CONCURRENCY", default=2)
    digest = hashing.run(hasher.hash, password)

Under ``nameko run`` every worker is a greenthread of one OS thread: a function that computes
for a second in C (an argon2 hash, decoding a large image) would stall every other request of
the service meanwhile, health checks included. ``run`` hands it to eventlet's thread pool
(the C libraries release the GIL), so the hub keeps serving. The pool has 20 threads and a
service up to ``max_workers`` concurrent workers: without a bound, ten argon2id hashes
(64 MiB each) or ten decoded photos would be in memory at once. A semaphore, sized by a
setting read at the first call, lets at most that many jobs run; the others wait their turn
in their greenthread without blocking anything else. Outside eventlet (a command-line tool,
plain unit tests) the same bound applies to real threads.

``release_memory=True`` gives the freed memory back to the system after each job
(glibc's ``malloc_trim``). Each pool thread allocates from its own glibc arena and keeps what
it freed there: without it, twenty 16-megapixel photos handled two at a time by the pool's
twenty threads left the process at 1.2 GiB instead of 0.3 GiB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from typing import TypeVar

from eventlet import patcher, tpool
from eventlet.semaphore import BoundedSemaphore as GreenSemaphore

from chassis import config

T = TypeVar("T")


def off_the_hub(function: Callable[..., T], *args) -> T:
    """Run ``function`` in a real thread when the process runs under eventlet."""
    if patcher.is_monkey_patched("thread"):
        return tpool.execute(function, *args)
    return function(*args)


def _load_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None


_malloc_trim = _load_malloc_trim()


def release_freed_memory() -> None:
    """Return the free pages of every malloc arena to the system (glibc only)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


class BoundedWork:
    """At most ``limit`` calls of ``run`` at once in the process, each off the hub.

    ``limit`` is the integer setting ``setting_name`` (at least 1), else ``default``.
    """

    def __init__(self, setting_name: str, default: int, *, release_memory: bool = False) -> None:
        self.setting_name = setting_name
        self.default = default
        self.release_memory = release_memory
        self._semaphore = None
        self._creating = threading.Lock()

    @property
    def limit(self) -> int:
        value = config.setting(self.setting_name)
        try:
            return max(1, int(value)) if value else self.default
        except ValueError:
            raise config.MissingSetting(f"{self.setting_name} must be an integer") from None

    def _get_semaphore(self):
        # Created at the first call, after eventlet patched (or not) the process: a green
        # semaphore under nameko, a thread one otherwise.
        if self._semaphore is None:
            with self._creating:
                if self._semaphore is None:
                    green = patcher.is_monkey_patched("thread")
                    kind = GreenSemaphore if green else threading.BoundedSemaphore
                    self._semaphore = kind(self.limit)
        return self._semaphore

    def run(self, function: Callable[..., T], *args) -> T:
        """``function(*args)``, off the hub, once fewer than ``limit`` others are running."""
        with self._get_semaphore():
            return off_the_hub(self._job, function, *args)

    def _job(self, function: Callable[..., T], *args) -> T:
        try:
            return function(*args)
        finally:
            if self.release_memory:
                release_freed_memory()
