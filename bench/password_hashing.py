"""How much argon2 hashing stalls the other requests of the accounts service.

Under eventlet (as ``nameko run`` runs the service), a ticker greenthread sleeps 10 ms in a
loop while other greenthreads hash passwords, as concurrent logins would. The extra delay of
each tick is what any other request of the same process would wait. Baseline, measured in
the same run: hashing directly in the greenthreads; then through
``chassis.offload.off_the_hub`` (eventlet's thread pool), which the service uses.

    .venv/bin/python -P bench/password_hashing.py [--hashers 2] [--hashes 8]
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from accounts.passwords import hasher  # noqa: E402

from chassis.offload import off_the_hub  # noqa: E402

PASSWORD = "Tilleul-Platane-Saone-2026"
TICK = 0.01


def tick_delays(hash_one, hashers: int, hashes: int) -> list[float]:
    """Extra milliseconds of each 10 ms tick while ``hashers`` greenthreads hash."""
    delays: list[float] = []
    running = True

    def ticker() -> None:
        while running:
            started = time.monotonic()
            eventlet.sleep(TICK)
            delays.append((time.monotonic() - started - TICK) * 1000)

    def work() -> None:
        for _ in range(hashes):
            hash_one()

    tick = eventlet.spawn(ticker)
    eventlet.sleep(0)
    for thread in [eventlet.spawn(work) for _ in range(hashers)]:
        thread.wait()
    running = False
    tick.wait()
    return delays


def row(name: str, delays: list[float], seconds: float, count: int) -> str:
    ordered = sorted(delays)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank
    return (
        f"{name:<28} {count / seconds:8.1f} {statistics.median(ordered):10.1f} "
        f"{p95:10.1f} {ordered[-1]:10.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashers", type=int, default=2, help="concurrent greenthreads hashing")
    parser.add_argument("--hashes", type=int, default=8, help="hashes per greenthread")
    args = parser.parse_args()
    count = args.hashers * args.hashes
    print(f"{count} argon2id hashes by {args.hashers} greenthreads, a 10 ms ticker beside them")
    print(f"{'':<28} {'hashes/s':>8} {'tick p50 ms':>10} {'p95 ms':>10} {'max ms':>10}")
    scenarios = [
        ("baseline: in the greenthread", lambda: hasher.hasher.hash(PASSWORD)),
        ("off_the_hub (thread pool)", lambda: off_the_hub(hasher.hasher.hash, PASSWORD)),
    ]
    for name, hash_one in scenarios:
        started = time.monotonic()
        delays = tick_delays(hash_one, args.hashers, args.hashes)
        print(row(name, delays, time.monotonic() - started, count))


if __name__ == "__main__":
    main()
