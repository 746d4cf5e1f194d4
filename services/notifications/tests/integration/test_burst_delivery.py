"""A burst of events is drained whole, each e-mail sent once, with no cap per pass or tick.

The figures asserted are counts and contents, never durations: how fast a burst leaves is
measured by ``bench/report_path.py``.
"""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

from sqlalchemy import text

from chassis.database import Sessions
from chassis.testing.fixtures import wait_until
from chassis.testing.services import service_config
from chassis.types import utcnow
from contracts.base import example
from notifications.delivery import deliver_due
from notifications.mailer import SmtpMailer
from notifications.models import Base
from notifications.rendering import Rendered
from notifications.repository import Messages
from notifications.service import DELIVERY_BATCH, NotificationsService
from notifications.smtp_settings import DEFAULT_MAIL_FROM, SmtpSettings

BURST = 60


class LoopOnlyNotifications(NotificationsService):
    """The service without its timer: only the delivery loop sends."""

    def deliver_pending_messages(self):  # a plain method: no ``@timer`` entrypoint any more
        raise AssertionError("the timer is not declared on this service")


def count(engine, query: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(query)).scalar_one()


def burst_events(size: int) -> list[dict]:
    """``report_submitted`` events, each with its own event id and tracking number."""
    return [
        {
            **example("report_submitted"),
            "event_id": str(uuid.uuid4()),
            "tracking_number": f"ESP-2026-{900000 + i:06d}",
        }
        for i in range(size)
    ]


def subject(email) -> str:
    return str(make_header(decode_header(email["Subject"])))


def start_replica(service_container, amqp_uri, database_url, smtp, service_cls):
    config = service_config(
        amqp_uri,
        database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        GATEWAY_PUBLIC_URL="https://portail.example.org",
    )
    return service_container(service_cls, config)


def assert_each_sent_once(engine, smtp, events: list[dict]) -> None:
    """Every message sent once: one attempt, one e-mail in the sink."""
    wait_until(
        lambda: (
            count(engine, "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'")
            == len(events)
        ),
        timeout=60,
        message=f"{len(events)} messages sent",
    )
    wait_until(lambda: len(smtp.messages()) >= len(events), message="the e-mails in the sink")
    emails = smtp.messages()
    assert len(emails) == len(events)
    assert len({email["Message-ID"] for email in emails}) == len(events)
    numbers = {event["tracking_number"] for event in events}
    assert {subject(email).split()[2] for email in emails} == numbers
    assert count(engine, "SELECT count(*) FROM delivery_attempts") == len(events)
    assert count(engine, "SELECT count(*) FROM delivery_attempts WHERE error IS NOT NULL") == 0
    # Nothing is published: no other service listens to deliveries.
    assert count(engine, "SELECT count(*) FROM outbox_events") == 0


def test_rafale_envoyee_sans_le_minuteur(
    service_container, amqp_uri, database_url, smtp, engine, dispatch
):
    """Without the timer, the handlers (each as it commits) send the whole burst."""
    smtp.start()
    start_replica(service_container, amqp_uri, database_url, smtp, LoopOnlyNotifications)
    events = burst_events(BURST)
    for event in events:
        dispatch("report_submitted", event)
    assert_each_sent_once(engine, smtp, events)


def test_rafale_avec_deux_replicas_chaque_email_une_fois(
    service_container, amqp_uri, database_url, smtp, engine, dispatch
):
    """Two replicas, each with its loop and its timer, share a burst: no e-mail twice."""
    smtp.start()
    for _ in range(2):
        start_replica(service_container, amqp_uri, database_url, smtp, NotificationsService)
    events = burst_events(BURST)
    for event in events:
        dispatch("report_submitted", event)
    assert_each_sent_once(engine, smtp, events)


def test_une_passe_envoie_tout_ce_qui_est_du_sans_plafond(database_url, smtp, engine):
    """``deliver_due`` without a limit tries every due message in one call (the timer's
    ``DELIVERY_BATCH`` is a limit of the safety net only)."""
    smtp.start()
    sessions = Sessions(engine, Base.metadata)
    with sessions.session() as session:
        messages = Messages(session)
        for i in range(BURST):
            rendered = Rendered(
                "report_submitted", f"rafale-{i}@example.org", f"Rafale {i}", "texte", "<p>x</p>"
            )
            messages.add(str(uuid.uuid4()), rendered, utcnow())
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp.port, DEFAULT_MAIL_FROM))

    assert BURST > DELIVERY_BATCH
    assert deliver_due(sessions, mailer) == BURST
    assert deliver_due(sessions, mailer) == 0
    assert count(engine, "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'") == BURST
    wait_until(lambda: len(smtp.messages()) >= BURST, message="the e-mails in the sink")
    assert sorted(email["To"] for email in smtp.messages()) == sorted(
        f"rafale-{i}@example.org" for i in range(BURST)
    )
