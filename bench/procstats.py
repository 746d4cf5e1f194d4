"""Peak memory and CPU time of every process of the running stack, read from ``/proc``.

``VmHWM`` is the peak resident set size since the process started (the kernel's high-water
mark), so reading it once at the end of a benchmark gives the peak under that load.
gunicorn forks its workers, so the workers are found as the master's children. CPU time
(user + system, ``/proc/<pid>/stat``) read before and after a scenario tells which process
spent the machine's two cores on it.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

GUNICORN = ("gateway", "baseline monolith", "baseline gateway")
"""Processes that fork workers: each counts with its children."""

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stack) -> dict[str, float]:
    """CPU seconds used so far by each stack process (gateway = master + workers) and by
    this benchmark process (the load clients)."""
    used = {}
    for name, process in stack.processes.items():
        pid = _pid(process)
        if pid is not None:
            pids = [pid, *children(pid)] if name in GUNICORN else [pid]
            used[name] = sum(_cpu(p) for p in pids)
    times = os.times()
    used["bench client"] = times.user + times.system
    return used


SHARED_SERVERS = {"postgres": "PostgreSQL", "beam.smp": "RabbitMQ"}


def shared_servers_cpu() -> dict[str, float]:
    """CPU seconds so far of every process of the shared PostgreSQL and RabbitMQ servers
    (other clients' work included: read them on a quiet machine)."""
    used: dict[str, float] = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        server = SHARED_SERVERS.get(process.info["name"] or "")
        if server and process.info["cpu_times"] is not None:
            times = process.info["cpu_times"]
            used[server] = used.get(server, 0.0) + times.user + times.system
    return used


def stack_and_servers_cpu(stack) -> dict[str, float]:
    """``cpu_seconds`` and ``shared_servers_cpu`` in one reading."""
    return {**cpu_seconds(stack), **shared_servers_cpu()}


def _cpu(pid: int) -> float:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def stack_memory(stack) -> list[dict]:
    """One row per process: name, pid, peak and current RSS in MiB."""
    rows = []
    for name, process in stack.processes.items():
        pid = _pid(process)
        if pid is None:
            continue
        prefix = "gunicorn" if name == "gateway" else name
        label = f"{prefix} master" if name in GUNICORN else name
        rows.append(_memory_row(label, pid))
        for number, child in enumerate(children(pid), start=1):
            if name in GUNICORN:
                rows.append(_memory_row(f"{prefix} worker {number}", child))
    return [row for row in rows if row["peak_rss_mib"] is not None]


def _pid(process) -> int | None:
    """The pid of a ``devstack.processes.Process``.

    ``Process`` keeps its ``Popen`` private and has no ``pid`` attribute yet; reading the
    private field is the only way from outside devstack (a public ``pid`` would be better).
    """
    popen = getattr(process, "_popen", None)
    return popen.pid if popen is not None and popen.poll() is None else None


def children(pid: int) -> list[int]:
    """Pids whose parent is ``pid``, in increasing order."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and _parent(entry) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _parent(entry: Path) -> int | None:
    try:
        stat = (entry / "stat").read_text()
    except OSError:  # the process ended meanwhile
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses
    return int(stat.rsplit(")", 1)[1].split()[1])


def _memory_row(name: str, pid: int) -> dict:
    status = _status(pid)
    return {
        "process": name,
        "pid": pid,
        "peak_rss_mib": _mib(status.get("VmHWM")),
        "rss_mib": _mib(status.get("VmRSS")),
    }


def _status(pid: int) -> dict[str, str]:
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _mib(value: str | None) -> float | None:
    """'123456 kB' -> 120.6"""
    if not value:
        return None
    return round(int(value.split()[0]) / 1024, 1)
