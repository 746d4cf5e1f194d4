"""An account linked to a family space is told so, at the address the accounts projection knows;
each change of a child's days is confirmed to every linked parent, listing the days added,
removed and the absences; a waiting-list promotion has an e-mail of its own."""

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


def body(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")


def test_confirmation_a_chaque_parent_puis_promotion_de_liste_d_attente(
    container, engine, smtp, dispatch
):
    smtp.start()
    parents = [
        golden("account_registered", account_id=str(uuid.uuid4()), email=f"parent{n}@example.org")
        for n in (1, 2)
    ]
    for registered in parents:
        dispatch("account_registered", registered, source="accounts")
    wait_until(lambda: all(processed(engine, p) for p in parents), message="the registrations")
    accounts = [p["account_id"] for p in parents] + [str(uuid.uuid4())]  # the last is unknown
    changed = golden("attendance_changed", account_ids=accounts)
    promoted = golden(
        "attendance_changed",
        account_ids=accounts[:1],
        added=["2027-02-15", "2027-02-16"],
        removed=[],
        absences=[],
        waiting_list_promotion=True,
    )
    for event in (changed, changed, promoted):
        dispatch("attendance_changed", event, source="family")
    wait_until(lambda: processed(engine, changed) and processed(engine, promoted))
    wait_until(lambda: len(smtp.messages()) >= 5, message="the e-mails")
    mails = [
        (m["To"], str(make_header(decode_header(m["Subject"]))), body(m))
        for m in smtp.messages()
        if "Confirmez" not in str(make_header(decode_header(m["Subject"])))
    ]
    confirmations = sorted(m for m in mails if "changements" in m[1])
    assert [to for to, _, _ in confirmations] == ["parent1@example.org", "parent2@example.org"]
    _, subject, text_body = confirmations[0]
    assert subject == "Restauration scolaire de Léa : vos changements sont enregistrés"
    assert "Jours réservés :\n- mardi 5 janvier 2027\n" in text_body
    assert "Jours annulés :\n- jeudi 7 janvier 2027\n" in text_body
    assert "- vendredi 8 janvier 2027 (justifiée)" in text_body
    assert (
        "Présences sans réservation (facturées au tarif majoré) :\n- samedi 9 janvier 2027\n"
        in text_body
    )
    [(to, subject, text_body)] = [m for m in mails if "place" in m[1]]
    assert to == "parent1@example.org"
    assert subject == "Une place s'est libérée : Restauration scolaire pour Léa"
    assert "- lundi 15 février 2027\n- mardi 16 février 2027\n" in text_body


def test_la_publication_d_une_annee_scolaire_previent_chaque_parent(
    container, engine, smtp, dispatch
):
    smtp.start()
    parent = golden("account_registered", account_id=str(uuid.uuid4()), email="rentree@example.org")
    dispatch("account_registered", parent, source="accounts")
    wait_until(lambda: processed(engine, parent), message="the registration")
    published = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": "2027-07-10T08:00:00+00:00",
        "family_id": "4217",
        "school_year": "2027-2028",
        "account_ids": [parent["account_id"], str(uuid.uuid4())],
        "published_at": "2027-07-10T08:00:00+00:00",
    }
    dispatch("school_year_published", published, source="family")
    wait_until(lambda: processed(engine, published), message="the publication")
    subject = "Année scolaire 2027–2028 : les inscriptions de vos enfants sont en ligne"

    def sent():
        return [
            m for m in smtp.messages() if str(make_header(decode_header(m["Subject"]))) == subject
        ]

    wait_until(lambda: len(sent()) == 1, message="the e-mail")
    assert sent()[0]["To"] == "rentree@example.org"
