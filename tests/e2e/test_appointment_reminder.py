"""The reminder the day before, through the running portal with two replicas of the requests
service (two schedulers on one database): the citizen gets exactly one reminder e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import create_engine, text

from chassis.testing.fixtures import free_port
from devstack.processes import Process
from devstack.stack import APPOINTMENT_TIMER_SECONDS

PARIS = ZoneInfo("Europe/Paris")
SCHEDULER_TICK = APPOINTMENT_TIMER_SECONDS
"""Seconds between two looks of a replica for tomorrow's appointments."""


def ready(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_un_seul_rappel_avec_deux_planificateurs(stack, helpers, new_email):
    email = new_email("rappel")
    first = stack.processes["requests"]
    port = free_port()
    second = Process(
        "requests-2",
        first.command,
        first.cwd,
        {**first.env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"},
        stack.logdir / "requests-2.log",
    )
    second.start()
    try:
        helpers.poll(lambda: ready(port), 60, "the second requests replica")
        tomorrow = datetime.now(PARIS).date() + timedelta(days=1)
        # After closing time: the other tests of the shared portal book tomorrow's opening
        # hours through the pages, and the stations' exclusion constraint refuses an overlap.
        starts_at = datetime.combine(tomorrow, time(18, 0), tzinfo=PARIS).astimezone(UTC)
        engine = create_engine(stack.database_urls["requests"])
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO appointments (kind, desk, starts_at, ends_at, status, email,"
                    " first_name, last_name, ants_number, manage_key, booked_by, sequence,"
                    " created_at, updated_at) VALUES ('retrait', 'station-2', :start, :end,"
                    " 'reservee', :email, 'Rémi', 'Rappel', '', 'cle-rappel', 'agent', 0,"
                    " now(), now())"
                ),
                {"start": starts_at, "end": starts_at + timedelta(minutes=10), "email": email},
            )
        engine.dispose()
        subject = f"Rappel : votre rendez-vous Retrait d'un titre demain, le {tomorrow:%d/%m/%Y} à 18 h 00"
        reminder = stack.wait_for_message(email, subject, timeout=SCHEDULER_TICK * 2 + 30)
        assert "/rendez-vous/gerer/RDV-" in reminder["text"]

        def reminders() -> int:
            return len([m for m in stack.messages(email) if m["subject"] == subject])

        # Both replicas look again at least once meanwhile: still one e-mail.
        helpers.assert_stays(reminders, 1, SCHEDULER_TICK + 5, "reminders")
    finally:
        second.stop()
