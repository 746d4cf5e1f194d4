"""One stopped or crashed process of `make run` no longer takes the whole local portal down."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from chassis.testing.fixtures import wait_until

# A child that appends a line per start, then exits with the code given, or waits for SIGTERM
# and appends "terminated" (once per signal received).
CHILD = """
import pathlib, signal, sys, time
log = pathlib.Path(sys.argv[1])
with log.open("a") as f:
    f.write("started\\n")
def on_term(*_):
    with log.open("a") as f:
        f.write("terminated\\n")
    time.sleep(0.3)
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
if sys.argv[2] != "wait":
    sys.exit(int(sys.argv[2]))
while True:
    time.sleep(0.1)
"""


def supervise(tmp_path: Path, behaviour: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "child.log"
    command = [sys.executable, "-m", "devstack.supervise", "essai", "--"]
    command += [sys.executable, "-c", CHILD, str(log), behaviour]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    return process, log


def lines(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_a_failing_process_is_started_again(tmp_path):
    process, log = supervise(tmp_path, "3")
    try:
        wait_until(lambda: lines(log).count("started") >= 2, 10, "a second start")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    assert "s'est arrêté (code 3) : relance dans 1 s" in process.stdout.read()


def test_a_process_stopped_cleanly_stays_stopped_until_sighup(tmp_path):
    process, log = supervise(tmp_path, "0")
    try:
        wait_until(lambda: lines(log) == ["started"], 10, "the first start")
        time.sleep(1.5)  # longer than the first pause of a restart
        assert lines(log) == ["started"] and process.poll() is None
        process.send_signal(signal.SIGHUP)
        wait_until(lambda: lines(log).count("started") == 2, 10, "the start on SIGHUP")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    assert "le portail continue sans lui" in process.stdout.read()


def test_sigterm_reaches_the_process_once_and_ends_the_supervisor(tmp_path):
    process, log = supervise(tmp_path, "wait")
    try:
        wait_until(lambda: lines(log) == ["started"], 10, "the start")
    finally:
        process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
    assert lines(log) == ["started", "terminated"]
