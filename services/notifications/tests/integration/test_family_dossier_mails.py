"""Changes of the Dossier Unique are confirmed to the family's account, decisions explained."""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from contracts.base import example


def golden(name: str, **changes) -> dict:
    return {**example(name), "event_id": str(uuid.uuid4()), **changes}


def processed(engine, *events: dict) -> bool:
    query = text("SELECT count(*) FROM processed_events WHERE event_id = ANY(:ids)")
    with engine.connect() as connection:
        ids = [event["event_id"] for event in events]
        return connection.scalar(query, {"ids": ids}) == len(events)


def register(dispatch, engine) -> dict:
    """An account the contacts projection knows (and its confirmation e-mail)."""
    registered = golden("account_registered")
    dispatch("account_registered", registered, source="accounts")
    wait_until(lambda: processed(engine, registered), message="the registration")
    return registered


def body(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset())


def test_la_famille_recoit_la_confirmation_puis_le_refus_motive(container, engine, smtp, dispatch):
    smtp.start()
    registered = register(dispatch, engine)
    account = registered["account_id"]
    changed = golden("dossier_changed", account_id=account)
    by_agent = golden("dossier_changed", account_id="agent-1", changed_by="agent")
    refused = golden(
        "dossier_change_decided",
        account_id=account,
        decision="refusee",
        reason="L'attestation date de 2019.",
    )
    for event_type, event in [
        ("dossier_changed", changed),
        ("dossier_changed", by_agent),
        ("dossier_change_decided", refused),
        ("dossier_change_decided", refused),
    ]:
        dispatch(event_type, event, source="family")
    wait_until(lambda: processed(engine, changed, by_agent, refused), message="the events")
    wait_until(lambda: len(smtp.messages()) >= 3, message="the e-mails")
    received = {str(make_header(decode_header(m["Subject"]))): m for m in smtp.messages()}
    assert sorted(received) == [
        "Confirmez votre adresse e-mail",
        "Dossier unique : demande de modification enregistrée",
        "Modification refusée : Quotient familial",
    ]
    confirmation = body(received["Dossier unique : demande de modification enregistrée"])
    assert "- Adresse\n- Autorisations" in confirmation
    assert "validation par le guichet SimpliCité" in confirmation
    assert "- Quotient familial" in confirmation
    refusal = received["Modification refusée : Quotient familial"]
    assert refusal["To"] == registered["email"]
    assert "Motif : L'attestation date de 2019." in body(refusal)


def test_chaque_etape_d_une_preinscription_est_annoncee(container, engine, smtp, dispatch):
    smtp.start()
    registered = register(dispatch, engine)
    account = registered["account_id"]
    submitted = golden("preregistration_submitted", account_id=account)
    proposed = golden("preregistration_status_changed", account_id=account)
    for event_type, event in [
        ("preregistration_submitted", submitted),
        ("preregistration_status_changed", proposed),
    ]:
        dispatch(event_type, event, source="family")
    wait_until(lambda: processed(engine, submitted, proposed), message="the events")
    wait_until(lambda: len(smtp.messages()) >= 3, message="the e-mails")
    received = {str(make_header(decode_header(m["Subject"]))): m for m in smtp.messages()}
    assert sorted(received) == [
        "Confirmez votre adresse e-mail",
        "Préinscription en crèche : place proposée (CRE-2027-000012)",
        "Préinscription en crèche enregistrée (CRE-2027-000012)",
    ]
    proposal = body(received["Préinscription en crèche : place proposée (CRE-2027-000012)"])
    assert "de votre enfant à naître (référence CRE-2027-000012)" in proposal
    assert "Message du guichet SimpliCité : Une place vous est proposée" in proposal
