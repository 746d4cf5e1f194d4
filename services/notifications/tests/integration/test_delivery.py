"""Events become e-mails, sent once, even when events come twice or the SMTP server is down."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.base import example
from contracts.errors import Forbidden, Invalid


def rows(engine, query):
    with engine.connect() as connection:
        return connection.execute(text(query)).mappings().all()


def test_signalement_donne_un_seul_email_avec_le_numero(
    container, engine, smtp, dispatch, report_submitted
):
    smtp.start()
    dispatch("report_submitted", report_submitted)
    query = "SELECT status, attempts FROM outgoing_messages"
    wait_until(lambda: rows(engine, query), message="the message row")
    # Sent in the handler's transaction: the row is committed already sent, never pending.
    assert [dict(row) for row in rows(engine, query)] == [{"status": "sent", "attempts": 1}]
    wait_until(lambda: smtp.messages(), message="the e-mail")
    time.sleep(1.5)
    [email] = smtp.messages()
    assert "ESP-2026-000123" in email["Subject"]
    assert email["To"] == "camille.martin@example.org"
    assert email.is_multipart()
    text_part = next(p for p in email.walk() if p.get_content_type() == "text/plain")
    body = text_part.get_payload(decode=True).decode("utf-8")
    assert "https://portail.example.org/suivi/ESP-2026-000123?cle=" in body


def test_evenement_recu_deux_fois_donne_un_seul_email(
    container, engine, smtp, dispatch, report_submitted
):
    smtp.start()
    dispatch("report_submitted", report_submitted)
    dispatch("report_submitted", report_submitted)
    wait_until(lambda: smtp.messages(), message="the e-mail")
    wait_until(
        lambda: rows(engine, "SELECT count(*) AS n FROM processed_events")[0]["n"] == 1,
        message="the event to be processed",
    )
    time.sleep(2)
    assert len(smtp.messages()) == 1
    assert len(rows(engine, "SELECT id FROM outgoing_messages")) == 1


def test_smtp_en_panne_puis_retabli_donne_un_envoi(
    container, engine, smtp, dispatch, report_submitted
):
    dispatch("report_submitted", report_submitted)
    wait_until(
        lambda: rows(engine, "SELECT count(*) AS n FROM delivery_attempts")[0]["n"] >= 1,
        message="a failed attempt",
    )
    [message] = rows(engine, "SELECT * FROM outgoing_messages")
    assert (message["status"], message["sent_at"]) == ("pending", None)
    [attempt] = rows(engine, "SELECT * FROM delivery_attempts")[:1]
    assert attempt["error"]
    smtp.start()
    wait_until(lambda: smtp.messages(), timeout=30, message="the e-mail after the outage")
    # The sender commits "sent" once the SMTP session has ended: wait for the row too.
    wait_until(
        lambda: rows(engine, "SELECT status FROM outgoing_messages")[0]["status"] == "sent",
        message="the message marked sent",
    )
    [message] = rows(engine, "SELECT * FROM outgoing_messages")
    time.sleep(1.5)  # a second send would arrive within this window
    [email] = smtp.messages()
    assert email["Message-ID"] == f"<notification-{message['id']}@ville-caluire.fr>"


def test_changement_de_statut_donne_un_email(container, smtp, dispatch):
    smtp.start()
    dispatch("report_status_changed", example("report_status_changed"))
    wait_until(lambda: smtp.messages(), message="the e-mail")
    [email] = smtp.messages()
    assert email["Subject"] == "Votre signalement ESP-2026-000123 : En cours"


def test_liste_des_messages_reservee_aux_administrateurs(
    container, smtp, dispatch, report_submitted
):
    smtp.start()
    dispatch("report_submitted", report_submitted)
    wait_until(lambda: smtp.messages(), message="the e-mail")

    def list_messages(*args):
        return call(container, "list_messages", *args)

    for caller in (None, example("caller"), {"roles": ["agent_espace_public"]}):
        with pytest.raises(Forbidden):
            list_messages(caller)
    admin = {"account_id": "1", "roles": ["admin"], "family_id": None}
    wait_until(lambda: list_messages(admin)["items"][0]["status"] == "sent", message="sent status")
    found = list_messages(admin, "camille.martin@example.org")
    assert [m["recipient"] for m in found["items"]] == ["camille.martin@example.org"]
    assert list_messages(admin, "personne@example.org")["items"] == []
    assert list_messages(admin, None, 2, 1)["items"] == []
    with pytest.raises(Invalid):
        list_messages(admin, None, 1, 500)


def test_message_impossible_a_construire_ne_bloque_pas_les_autres(
    container, engine, smtp, dispatch, report_submitted
):
    """The oldest message cannot be built (a line break in its address): it counts a failed
    attempt and waits for its backoff, while the messages queued after it are delivered."""
    smtp.start()
    broken = {**report_submitted, "email": "camille.martin@example.org\nBcc: x@example.net"}
    dispatch("report_submitted", broken)
    wait_until(
        lambda: rows(engine, "SELECT count(*) AS n FROM outgoing_messages")[0]["n"] == 1,
        message="the broken message queued",
    )
    recipients = [f"habitant{n}@example.org" for n in range(3)]
    for recipient in recipients:
        dispatch("report_submitted", {**example("report_submitted"), **fresh(recipient)})
    wait_until(lambda: len(smtp.messages()) == 3, timeout=20, message="the other e-mails")
    assert sorted(email["To"] for email in smtp.messages()) == recipients
    [message] = rows(engine, "SELECT * FROM outgoing_messages WHERE recipient LIKE '%Bcc%'")
    assert message["status"] == "pending"
    assert message["attempts"] >= 1
    assert message["next_attempt_at"] > message["created_at"]
    assert "ValueError" in message["last_error"]
    failed = "SELECT count(*) AS n FROM delivery_attempts WHERE error LIKE 'ValueError%'"
    assert rows(engine, failed)[0]["n"] == message["attempts"]


def fresh(recipient: str) -> dict:
    return {"event_id": str(uuid.uuid4()), "email": recipient}
