"""Child processes of the end-to-end stack: started with their output in a log file, stopped
with one SIGTERM (nameko hangs on a second one), then SIGKILL if they do not go.

    process = Process("requests", ["nameko", "run", ...], cwd, env, logs / "requests.log")
    process.start()
    process.stop()
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

STOP_SECONDS = 20.0


class StartupError(RuntimeError):
    """A process of the stack did not start or did not become ready in time."""


class Process:
    """One long-running child process, in its own session, logging to ``log_path``."""

    def __init__(self, name: str, command: list[str], cwd: Path, env: dict, log_path: Path):
        self.name = name
        self.command = command
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self._popen: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"\n----- start {' '.join(self.command)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        """One SIGTERM, a wait, then SIGKILL for the whole process group."""
        self.terminate()
        self.wait_or_kill(seconds)

    def terminate(self) -> None:
        """Send the one SIGTERM (a second one would make nameko hang)."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self._popen.send_signal(signal.SIGTERM)

    def wait_or_kill(self, seconds: float = STOP_SECONDS) -> None:
        popen, self._popen = self._popen, None
        if popen is None:
            return
        try:
            popen.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def run_once(name: str, command: list[str], cwd: Path, env: dict, log_path: Path) -> None:
    """Run a short command (a migration) to its end; raise with its output if it fails."""
    with log_path.open("ab") as log:
        result = subprocess.run(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=120
        )
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text("utf-8", errors="replace").splitlines()[-30:])
        raise StartupError(f"{name} failed with exit status {result.returncode}:\n{tail}")


def wait_until(
    check: Callable[[], bool], seconds: float, what: str, processes: list[Process]
) -> None:
    """Poll ``check`` until it is true; raise with the logs' tails when time runs out or a
    process died meanwhile."""
    deadline = time.monotonic() + seconds
    while True:
        dead = [p for p in processes if not p.running]
        if dead:
            raise StartupError(f"{dead[0].name} exited while waiting for {what}\n{report(dead)}")
        with contextlib.suppress(Exception):
            if check():
                return
        if time.monotonic() > deadline:
            raise StartupError(f"{what}: not ready after {seconds:.0f} s\n{report(processes)}")
        time.sleep(0.2)


def report(processes: list[Process]) -> str:
    return "\n".join(f"--- {p.name} ({p.log_path.name}):\n{p.tail()}" for p in processes)


def say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)
