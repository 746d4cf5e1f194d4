"""A burst of events is drained whole, each e-mail sent once, with no cap per pass or tick.

The figures asserted are counts and contents, never durations: how fast a burst leaves is
measured by ``bench/report_path.py``.
"""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

from sqlalchemy import text

from chassis.database import Sessions
from chassis.testing.fixtures import free_port, wait_until
from chassis.testing.services import service_config
from chassis.types import utcnow
from contracts.base import example
from notifications.delivery import deliver_batch, deliver_due
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


def invoices_issued(engine, size: int) -> list[dict]:
    """``invoice_issued`` events of a monthly run, each family's parent known with an address."""
    events = []
    with engine.begin() as connection:
        for i in range(size):
            account_id = str(uuid.uuid4())
            connection.execute(
                text(
                    "INSERT INTO contacts (account_id, email, email_notifications, closed)"
                    " VALUES (:account_id, :email, true, false)"
                ),
                {"account_id": account_id, "email": f"parent-{i}@example.org"},
            )
            events.append(
                {
                    **example("invoice_issued"),
                    "event_id": str(uuid.uuid4()),
                    "invoice_reference": f"PERI-{20000 + i}-202703-{i + 1}",
                    "family_id": str(20000 + i),
                    "account_ids": [account_id],
                }
            )
    return events


def test_les_factures_d_un_mois_partent_par_lots_une_fois_chacune_meme_redistribuees(
    service_container, amqp_uri, database_url, smtp, engine, dispatch
):
    """``invoice_issued`` is a bulk e-mail: its handler only stores it and the delivery loops
    of two replicas send the burst in batches; a redelivered event sends nothing more."""
    smtp.start()
    for _ in range(2):
        start_replica(service_container, amqp_uri, database_url, smtp, LoopOnlyNotifications)
    events = invoices_issued(engine, BURST)
    for event in [*events, *events[:10]]:  # ten of them delivered twice
        dispatch("invoice_issued", event, source="billing")
    wait_until(
        lambda: (
            count(engine, "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'") == BURST
        ),
        timeout=60,
        message=f"{BURST} invoice e-mails sent",
    )
    wait_until(lambda: len(smtp.messages()) >= BURST, message="the e-mails in the sink")
    emails = smtp.messages()
    assert sorted(email["To"] for email in emails) == sorted(
        f"parent-{i}@example.org" for i in range(BURST)
    )
    references = {subject(email).split()[2] for email in emails}
    assert references == {event["invoice_reference"] for event in events}
    assert count(engine, "SELECT count(*) FROM delivery_attempts") == BURST


def test_un_lot_envoie_les_autres_quand_l_un_ne_peut_etre_construit(database_url, smtp, engine):
    """``deliver_batch``: one message that cannot be built (a line break in its address)
    counts a failed attempt and waits for its backoff; the others of the batch are sent, and
    all outcomes are committed together."""
    smtp.start()
    sessions = Sessions(engine, Base.metadata)
    recipients = [f"lot-{i}@example.org" for i in range(5)]
    recipients.insert(2, "lot@example.org\nBcc: x@example.net")
    with sessions.session() as session:
        for recipient in recipients:
            rendered = Rendered("invoice_issued", recipient, "Facture", "texte", "<p>x</p>")
            Messages(session).add(str(uuid.uuid4()), rendered, utcnow())
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", smtp.port, DEFAULT_MAIL_FROM))

    assert deliver_batch(sessions, mailer, limit=50) == len(recipients)
    assert deliver_batch(sessions, mailer, limit=50) == 0  # the broken one waits its backoff
    sent = "SELECT count(*) FROM outgoing_messages WHERE status = 'sent'"
    assert count(engine, sent) == len(recipients) - 1
    broken = "SELECT count(*) FROM outgoing_messages WHERE status = 'pending' AND attempts = 1"
    assert count(engine, broken) == 1
    recorded = (  # each success: one attempt counted, when it left, nothing left to try
        "SELECT count(*) FROM outgoing_messages m JOIN delivery_attempts a ON a.message_id = m.id"
        " WHERE m.status = 'sent' AND m.attempts = 1 AND a.error IS NULL"
        " AND m.sent_at = a.attempted_at AND m.next_attempt_at IS NULL AND m.last_error IS NULL"
    )
    assert count(engine, recorded) == len(recipients) - 1
    assert count(engine, "SELECT count(*) FROM delivery_attempts") == len(recipients)
    wait_until(lambda: len(smtp.messages()) >= 5, message="the e-mails in the sink")
    assert sorted(email["To"] for email in smtp.messages()) == sorted(
        recipients[:2] + recipients[3:]
    )


def test_un_lot_s_arrete_quand_le_relais_est_injoignable(database_url, engine):
    """The relay cannot be reached: the first message of the batch counts a failed attempt,
    the others are left due and untouched for the next pass (no timeout each)."""
    sessions = Sessions(engine, Base.metadata)
    with sessions.session() as session:
        for i in range(5):
            rendered = Rendered("invoice_issued", f"lot-{i}@example.org", "Facture", "t", "<p>")
            Messages(session).add(str(uuid.uuid4()), rendered, utcnow())
    closed_port = free_port()
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", closed_port, DEFAULT_MAIL_FROM))

    assert deliver_batch(sessions, mailer, limit=50) == 1
    assert count(engine, "SELECT count(*) FROM outgoing_messages WHERE attempts = 0") == 4
    assert count(engine, "SELECT count(*) FROM delivery_attempts") == 1
