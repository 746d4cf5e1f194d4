"""The monthly invoicing run for thousands of families, and the e-mails of their invoices.

    .venv/bin/python -P bench/invoicing.py [--families 5000] [--notifications-replicas 1] [--json FILE]

Starts the whole portal once (``devstack.stack.start_stack``). Each family has one child
booked at the canteen four days a week for March 2027 (the ``attendance_days`` projection
written as ``family.attendance_changed`` writes it), one parent's account linked to it in
billing (as ``family.family_space_activated`` does) and known to notifications with an
address (as the accounts events do). Then, in the same run:

- the monthly run, ``python -m billing.invoicing 2027-03`` as the régie runs it: one invoice
  per family with its ``invoice_issued``, which notifications turns into one e-mail each,
  sent to the stack's SMTP sink; timed until the last e-mail is in the sink;
- baseline: raw ``smtplib`` sending as many e-mails of the same size to the same sink over
  one connection, with no database, broker or template.

Printed: invoices per second of the run, e-mails per second from the start of the run to
the last e-mail, the baseline's e-mails per second, their ratio (goal: at least 50%),
whether each invoice got exactly one e-mail, a timeline of the stages and each process's
CPU seconds. ``--notifications-replicas 2`` adds a second notifications process, as k8s runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench modules (see report_path)

import requests
from billing.models import AttendanceDay, FamilyAccess, Invoice
from procstats import stack_and_servers_cpu
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.orm import Session

from chassis.testing.fixtures import free_port
from chassis.types import utcnow
from contracts.dates_fr import paris_today
from devstack.processes import Process, wait_until
from devstack.stack import start_stack
from notifications.models import Contact

MONTH = "2027-03"
FIRST_FAMILY = 20000
CANTEEN_DAYS = (0, 1, 3, 4)  # Monday, Tuesday, Thursday, Friday


def school_days() -> list[date]:
    first = date(2027, 3, 1)
    days = [first + timedelta(days=n) for n in range(31)]
    return [d for d in days if d.weekday() in CANTEEN_DAYS]


def address(family_id: str) -> str:
    return f"parent-{family_id}@exemple.fr"


def seed(stack, families: int) -> None:
    """Attendance and links in billing, the parents' addresses in notifications."""
    now = utcnow()
    ids = [str(FIRST_FAMILY + n) for n in range(families)]
    accounts = {family_id: str(uuid.uuid4()) for family_id in ids}
    billing = create_engine(stack.database_urls["billing"])
    with Session(billing) as session, session.begin():
        session.execute(
            insert(AttendanceDay),
            [
                {
                    "child_id": f"b{family_id}",
                    "activity": "restauration_scolaire",
                    "day": day,
                    "family_id": family_id,
                    "child_first_name": "Léa",
                    "activity_label": "Restauration scolaire",
                    "status": "booked",
                    "changed_at": now,
                }
                for family_id in ids
                for day in school_days()
            ],
        )
        session.execute(
            insert(FamilyAccess),
            [{"family_id": f, "account_id": a, "linked_at": now} for f, a in accounts.items()],
        )
    billing.dispose()
    notifications = create_engine(stack.database_urls["notifications"])
    with Session(notifications) as session, session.begin():
        session.execute(
            insert(Contact),
            [
                {
                    "account_id": account_id,
                    "email": address(family_id),
                    "email_notifications": True,
                    "closed": False,
                    "email_as_of": now,
                    "preference_as_of": now,
                }
                for family_id, account_id in accounts.items()
            ],
        )
    notifications.dispose()


def mail_files(stack) -> list[Path]:
    return sorted((stack.workdir / "mail").glob("*.eml"))


def mail_count(stack) -> int:
    return len(mail_files(stack))


def recipients(stack) -> Counter:
    """Messages per recipient, read from the sink's files (its JSON API decodes every part)."""
    parser = BytesParser(policy=policy.default)
    found: Counter = Counter()
    for path in mail_files(stack):
        with path.open("rb") as file:
            found[str(parser.parse(file, headersonly=True)["To"])] += 1
    return found


def wait_for_mails(stack, count: int, timeout: float) -> float:
    """The moment the sink holds ``count`` e-mails (``time.perf_counter``)."""
    deadline = time.monotonic() + timeout
    while mail_count(stack) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{mail_count(stack)} e-mails after {timeout:.0f} s, {count} expected")
        time.sleep(0.05)
    return time.perf_counter()


class Stages(threading.Thread):
    """When the run's invoices, their published events, the events notifications handled
    and the e-mails in the sink each reached ``count`` (seconds after ``start``)."""

    def __init__(self, stack, count: int, start: float) -> None:
        super().__init__(daemon=True)
        self.stack, self.count, self.start_time = stack, count, start
        self.reached: dict[str, float] = {}
        self.timeline: list[tuple[float, dict[str, int]]] = []
        self.done = threading.Event()

    def counts(self, billing, notifications) -> dict[str, int]:
        with billing.connect() as connection:
            invoices, published = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM invoices WHERE family_id IS NOT NULL),"
                    " (SELECT count(*) FROM outbox_events WHERE event_type = 'invoice_issued'"
                    " AND published_at IS NOT NULL)"
                )
            ).one()
        with notifications.connect() as connection:
            handled = connection.scalar(
                text("SELECT count(*) FROM processed_events WHERE event_type = 'invoice_issued'")
            )
        return {
            "invoices": invoices,
            "events_published": published,
            "events_handled": handled,
            "mails": mail_count(self.stack),
        }

    def run(self) -> None:
        billing = create_engine(self.stack.database_urls["billing"])
        notifications = create_engine(self.stack.database_urls["notifications"])
        try:
            while len(self.reached) < 4:
                finished = self.done.is_set()  # one last look after the last e-mail
                now = round(time.perf_counter() - self.start_time, 2)
                counts = self.counts(billing, notifications)
                if not self.timeline or now - self.timeline[-1][0] >= 2.0 or finished:
                    self.timeline.append((now, counts))
                for stage, count in counts.items():
                    if count >= self.count:
                        self.reached.setdefault(stage, now)
                if finished:
                    break
                self.done.wait(0.25)
        finally:
            billing.dispose()
            notifications.dispose()


def monthly_run(stack, families: int, timeout: float) -> dict:
    env = {**os.environ, "BILLING_DATABASE_URL": stack.database_urls["billing"]}
    command = [sys.executable, "-P", "-m", "billing.invoicing", MONTH, "--sans-barre"]
    cpu_before = stack_and_servers_cpu(stack)
    start = time.perf_counter()
    stages = Stages(stack, families, start)
    stages.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    ran = time.perf_counter() - start
    command_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    command_cpu = (command_usage.ru_utime - children.ru_utime) + (
        command_usage.ru_stime - children.ru_stime
    )
    last_mail = wait_for_mails(stack, families, timeout) - start
    stages.done.set()
    stages.join()
    cpu_after = stack_and_servers_cpu(stack)
    cpu = {
        name: round(cpu_after[name] - cpu_before[name], 1)
        for name in cpu_after
        if name in cpu_before and cpu_after[name] - cpu_before[name] >= 0.1
    }
    cpu["invoicing command"] = round(command_cpu, 1)
    per_recipient = recipients(stack)
    mails = sum(per_recipient.values())
    engine = create_engine(stack.database_urls["billing"])
    with Session(engine) as session:
        invoices = session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.family_id.is_not(None))
        )
    engine.dispose()
    expected = {address(str(FIRST_FAMILY + n)) for n in range(families)}
    return {
        "summary": done.stdout.strip(),
        "invoices": invoices,
        "run_seconds": round(ran, 2),
        "invoices_per_second": round(invoices / ran, 1),
        "mails": mails,
        "mails_seconds": round(last_mail, 2),
        "mails_per_second": round(mails / last_mail, 1),
        "stages_seconds": stages.reached,
        "timeline": [{"seconds": at, **counts} for at, counts in stages.timeline],
        "cpu_seconds_per_process": cpu,
        "one_mail_per_invoice": set(per_recipient) == expected
        and set(per_recipient.values()) == {1}
        and invoices == families,
    }


def raw_smtplib(stack, count: int, size: int) -> dict:
    """The same number of e-mails, each as large as one of the portal's (``size`` bytes in
    the sink), straight to the sink over one connection."""
    before = mail_count(stack)
    port = int(
        stack.processes["smtp"].command[stack.processes["smtp"].command.index("--smtp-port") + 1]
    )
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for number in range(count):
            message = EmailMessage()
            message["From"] = "portail@exemple.fr"
            message["To"] = f"brut-{number}@exemple.fr"
            message["Subject"] = "Nouvelle facture"
            message.set_content("x" * size)
            smtp.send_message(message)
    done = wait_for_mails(stack, before + count, 600) - start
    return {"mails": count, "seconds": round(done, 2), "mails_per_second": round(count / done, 1)}


def add_notifications_replica(stack, n: int) -> None:
    """One more notifications process beside the stack's, as a second k8s replica: same
    database, queues and SMTP relay, its own health port; ready when its consumers are."""
    first = stack.processes["notifications"]
    port = free_port()
    env = {**first.env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}
    name = f"notifications-{n}"
    log = first.log_path.with_name(f"{name}.log")
    replica = Process(name, first.command, first.cwd, env, log)
    stack.processes[name] = replica
    replica.start()
    ready = f"http://127.0.0.1:{port}/readyz"
    wait_until(lambda: requests.get(ready, timeout=2).ok, 60, name, [replica])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--notifications-replicas",
        type=int,
        default=1,
        help="notifications processes (k8s runs two replicas; the local stack one)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        stack = start_stack(Path(workdir))
        try:
            for n in range(2, args.notifications_replicas + 1):
                add_notifications_replica(stack, n)
            seed(stack, args.families)
            run = monthly_run(stack, args.families, args.timeout)
            size = mail_files(stack)[0].stat().st_size
            baseline = raw_smtplib(stack, args.families, size)
        finally:
            stack.close()
    ratio = run["mails_per_second"] / baseline["mails_per_second"]
    print(f"{args.families} familles, {MONTH} : {run['summary']}")
    print(
        f"run: {run['invoices']} invoices in {run['run_seconds']} s "
        f"({run['invoices_per_second']} invoices/s)"
    )
    print(
        f"fan-out: {run['mails']} e-mails in the sink {run['mails_seconds']} s after the start "
        f"({run['mails_per_second']} e-mails/s); one per invoice: {run['one_mail_per_invoice']}"
    )
    print(f"stages reached (s after the start): {run['stages_seconds']}")
    print("timeline (s: invoices / events published / handled / e-mails in the sink):")
    stages = ("invoices", "events_published", "events_handled", "mails")
    for point in run["timeline"]:
        counts = " / ".join(str(point[stage]) for stage in stages)
        print(f"  {point['seconds']:6.1f}: {counts}")
    print(f"CPU seconds of the stack's processes during the run: {run['cpu_seconds_per_process']}")
    print(
        f"raw smtplib, same sink, same run: {baseline['mails']} e-mails in "
        f"{baseline['seconds']} s ({baseline['mails_per_second']} e-mails/s)"
    )
    print(f"portal / raw smtplib: {ratio:.0%} (goal: at least 50%)")
    if args.json:
        result = {
            "date": paris_today().isoformat(),
            "cores": os.cpu_count(),
            "load_average": os.getloadavg()[0],
            "families": args.families,
            "run": run,
            "raw_smtplib": baseline,
            "ratio": round(ratio, 3),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if run["one_mail_per_invoice"] else 1


if __name__ == "__main__":
    sys.exit(main())
