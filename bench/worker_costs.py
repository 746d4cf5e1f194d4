"""What each chassis per-worker dependency adds to one RPC, against a bare nameko service.

    .venv/bin/python -P bench/worker_costs.py [--calls 2000] [--rounds 3] [--profile VARIANT]

For each variant, a nameko service answering ``ping`` (the caller variants: ``whoami``,
which verifies and loads a signed caller) runs in a child process with no dependency (the
**baseline**) or with one chassis dependency; this process calls it ``--calls`` times with a
plain ``ClusterRpcProxy`` and reads the child's CPU (``/proc``, user + system) per call.
Variants are measured in turn, ``--rounds`` times, so that noise on the machine hits all of
them; the median of the rounds is printed beside the baseline's. ``--profile VARIANT`` runs
that variant's service under cProfile and prints its 30 largest own times.

Needs the local RabbitMQ (``AMQP_URI``) and PostgreSQL; the database variants build their
engine on a database of its own holding the chassis' tables (``ping`` does no I/O).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import DeclarativeBase

from chassis import tables

AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")
SERVER_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/"
DATABASE = "bench_worker_costs"
DATABASE_URL = SERVER_URL + DATABASE
VARIANTS = ("bare", "correlation", "metrics", "database", "outbox", "caller", "chassis")
CALLER = {"account_id": "7", "roles": ["agent_espace_public"], "family_id": None}


class Base(DeclarativeBase):
    pass


tables.install(Base.metadata)


def prepare_database() -> None:
    """A database holding the chassis' tables only, created once, reused by later runs."""
    server = create_engine(SERVER_URL + "postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    server.dispose()
    engine = create_engine(DATABASE_URL)
    Base.metadata.create_all(engine)
    engine.dispose()


def service_class(variant: str) -> type:
    """A service named ``cost_<variant>`` with that variant's dependencies."""
    from nameko.rpc import rpc

    from chassis import identity
    from chassis.database import Database
    from chassis.logging import Correlation
    from chassis.metrics import ServiceMetrics
    from chassis.outbox import Outbox

    extras = {
        "bare": {},
        "correlation": {"correlation": Correlation()},
        "metrics": {"db": Database(Base), "metrics": ServiceMetrics()},
        "database": {"db": Database(Base)},
        "outbox": {"db": Database(Base), "outbox": Outbox()},
        "caller": {"callers": identity.CallerVerification()},
        "chassis": {
            "db": Database(Base),
            "outbox": Outbox(),
            "correlation": Correlation(),
            "callers": identity.CallerVerification(),
            "metrics": ServiceMetrics(),
        },
    }[variant]

    def ping(self) -> dict:
        return {"service": self.name, "status": "ok"}

    def whoami(self, caller) -> dict:
        return identity.load(caller)

    body = {"name": f"cost_{variant}", "ping": rpc(ping), "whoami": rpc(whoami), **extras}
    return type(f"Cost{variant.title()}", (), body)


def serve(variant: str, profile: bool) -> None:
    """Child process: run the variant's service until stdin closes."""
    import eventlet

    eventlet.monkey_patch()
    import logging

    from nameko.containers import ServiceContainer

    from chassis.logging import JsonFormatter, lighten_log_records
    from contracts import signed_caller
    from contracts.publishing import use_kept_publishers

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    use_kept_publishers()
    lighten_log_records()
    key = signed_caller.public_pem(signed_caller.load_signing_key(os.environ["COST_KEY"]))
    config = {
        "AMQP_URI": AMQP_URI,
        "max_workers": 10,
        "DATABASE_URL": DATABASE_URL,
        "CALLER_VERIFY_KEY": key,
    }
    container = ServiceContainer(service_class(variant), config)
    container.start()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    print("ready", flush=True)
    from eventlet import tpool

    tpool.execute(sys.stdin.read)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(
            os.environ.get("COST_SORT", "tottime")
        ).print_stats(os.environ.get("COST_FILTER", ""), 30)
    container.stop()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(variant: str, calls: int, key, profile: bool = False) -> float:
    """CPU ms per call the variant's service spent, its process started for this."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from contracts import signed_caller
    from gateway.rpc import bind_context

    env = {**os.environ, "COST_KEY": signed_caller.private_pem(key)}
    command = [sys.executable, "-P", __file__, "--serve", variant]
    if profile:
        command.append("--profile-child")
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        assert child.stdout.readline().strip() == b"ready"
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=30) as proxy:
            service = proxy[f"cost_{variant}"]

            def call() -> None:
                if variant in ("caller", "chassis"):
                    cid = str(uuid.uuid4())
                    bind_context(proxy, cid)
                    token = signed_caller.sign(
                        CALLER, key, service=f"cost_{variant}", method="whoami", correlation_id=cid
                    )
                    service.whoami(token)
                else:
                    service.ping()

            for _ in range(50):
                call()
            before = cpu_seconds(child.pid)
            for _ in range(calls):
                call()
            return (cpu_seconds(child.pid) - before) * 1000 / calls
    finally:
        child.stdin.close()
        child.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--profile", choices=VARIANTS)
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.profile_child)
        return 0
    from contracts import signed_caller

    key = signed_caller.generate_key()
    prepare_database()
    if args.profile:
        cost = measure(args.profile, args.calls, key, profile=True)
        print(f"{args.profile}: {cost:.3f} CPU ms per call under cProfile")
        return 0
    print(f"load average at start: {os.getloadavg()}")
    figures: dict[str, list[float]] = {variant: [] for variant in args.variants}
    for _ in range(args.rounds):
        for variant in args.variants:
            figures[variant].append(measure(variant, args.calls, key))
    base = statistics.median(figures["bare"]) if "bare" in figures else None
    print(f"{'variant':<14}{'CPU ms/call':>12}{'+ms vs bare':>13}  rounds")
    for variant, values in figures.items():
        median = statistics.median(values)
        extra = f"{median - base:13.3f}" if base is not None else f"{'':>13}"
        rounds = ", ".join(f"{value:.3f}" for value in values)
        print(f"{variant:<14}{median:12.3f}{extra}  {rounds}")
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
