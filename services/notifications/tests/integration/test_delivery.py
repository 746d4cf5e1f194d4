"""Events become e-mails, sent once, even when events come twice or the SMTP server is down."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.base import example
from contracts.errors import Forbidden


def rows(engine, query):
    with engine.connect() as connection:
        return connection.execute(text(query)).mappings().all()


def test_signalement_donne_un_seul_email_avec_le_numero(
    container, smtp, dispatch, report_submitted
):
    smtp.start()
    dispatch("report_submitted", report_submitted)
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
    wait_until(lambda: list_messages(admin)[0]["status"] == "sent", message="sent status")
    assert [m["recipient"] for m in list_messages(admin, "camille.martin@example.org")] == [
        "camille.martin@example.org"
    ]
    assert list_messages(admin, "personne@example.org") == []
