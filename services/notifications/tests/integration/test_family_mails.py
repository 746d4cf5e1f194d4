"""An account linked to a family space is told so, at the address the accounts projection knows."""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from contracts.base import example


def golden(name: str, **changes) -> dict:
    return {**example(name), "event_id": str(uuid.uuid4()), **changes}


def processed(engine, event: dict) -> bool:
    query = text("SELECT count(*) FROM processed_events WHERE event_id = :event_id")
    with engine.connect() as connection:
        return connection.scalar(query, {"event_id": event["event_id"]}) == 1


def test_activation_d_un_espace_famille_previent_le_titulaire_du_compte(
    container, engine, smtp, dispatch
):
    smtp.start()
    registered = golden("account_registered")
    dispatch("account_registered", registered, source="accounts")
    wait_until(lambda: processed(engine, registered), message="the registration")
    stranger = golden("family_space_activated", account_id=str(uuid.uuid4()))
    activated = golden("family_space_activated", account_id=registered["account_id"])
    for event in (stranger, activated, activated):
        dispatch("family_space_activated", event, source="family")
    wait_until(lambda: processed(engine, stranger) and processed(engine, activated))
    wait_until(lambda: len(smtp.messages()) >= 2, message="the e-mails")
    received = {str(make_header(decode_header(m["Subject"]))): m for m in smtp.messages()}
    assert sorted(received) == ["Confirmez votre adresse e-mail", "Votre espace famille est activé"]
    assert received["Votre espace famille est activé"]["To"] == registered["email"]
