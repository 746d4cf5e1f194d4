"""Keep one process of the local run going, as Docker Compose and Kubernetes would.

honcho, which runs the Procfile of ``make run``, stops every process as soon as one ends, so a
developer stopping one service to see how the portal copes (or a service that crashed) took
the whole local portal down, silently. Each service is therefore started through::

    python -m devstack.supervise notifications -- python -m chassis.run ... notifications.service

- a command that fails (non-zero exit) is started again after a pause that grows while it
  keeps failing (1 s, 2 s, 4 s... at most 30 s), as a restart policy would;
- a command that stops cleanly (exit 0, e.g. ``kill <pid of the service>``) stays stopped, and
  the portal keeps running without it; ``kill -HUP <pid of this supervisor>`` starts it again;
- SIGTERM or SIGINT (what honcho sends on Ctrl+C) is passed on once to the command, which runs
  in a session of its own (``nameko run`` hangs on a second SIGTERM), and the supervisor ends
  with it; the command is killed if the supervisor itself is killed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
STABLE_AFTER = 60.0  # a run this long resets the pause


def say(name: str, message: str) -> None:
    print(f"[devstack] {name} : {message}", flush=True)


class Supervisor:
    def __init__(self, name: str, command: list[str]) -> None:
        self.name = name
        self.command = command
        self.stopping = False
        self.wake = threading.Event()
        self.child: subprocess.Popen | None = None

    def stop(self, signum, _frame) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)
        self.wake.set()

    def restart(self, _signum, _frame) -> None:
        self.wake.set()

    def run(self) -> int:
        pause = FIRST_PAUSE
        while not self.stopping:
            started = time.monotonic()
            self.child = subprocess.Popen(
                self.command, start_new_session=True, preexec_fn=_die_with_parent
            )
            code = self.child.wait()
            if self.stopping:
                return code
            if time.monotonic() - started > STABLE_AFTER:
                pause = FIRST_PAUSE
            self.wake.clear()
            if code == 0:
                say(
                    self.name,
                    f"arrêté ; le portail continue sans lui (relance : kill -HUP {os.getpid()})",
                )
                self.wake.wait()
            else:
                say(self.name, f"s'est arrêté (code {code}) : relance dans {pause:.0f} s")
                self.wake.wait(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
            if not self.stopping:
                say(self.name, "relancé")
        return 0


def _die_with_parent() -> None:
    """In the child: receive SIGKILL when the supervisor dies (Linux ``PR_SET_PDEATHSIG``)."""
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m devstack.supervise NAME -- COMMAND...", file=sys.stderr)
        return 2
    supervisor = Supervisor(argv[0], argv[2:])
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    signal.signal(signal.SIGHUP, supervisor.restart)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
