"""Account events give their e-mails once, and the accounts projection drives progress e-mails."""

from __future__ import annotations

import time
import uuid
from email.header import decode_header, make_header

from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from contracts.base import example

ACCOUNT_ID = example("account_registered")["account_id"]
PUBLIC_URL = "https://portail.example.org"
ACCOUNT_MAILS = {
    # event type: (subject, recipient, link)
    "account_registered": (
        "Confirmez votre adresse e-mail",
        "camille.martin@example.org",
        f"{PUBLIC_URL}/compte/confirmation?jeton=Zx8Qw2Lm5Np7Rt9Vb3Cd6Fg1Hj4Kk0Ss",
    ),
    "duplicate_registration_attempted": (
        "Un compte existe déjà avec cette adresse",
        "camille.martin@example.org",
        f"{PUBLIC_URL}/mot-de-passe-oublie",
    ),
    "password_reset_requested": (
        "Réinitialisez votre mot de passe",
        "camille.martin@example.org",
        f"{PUBLIC_URL}/mot-de-passe/nouveau?jeton=Pq7Wm3Zx9Lk2Vb5Nc8Rt1Yu4Hj6Gf0Ds",
    ),
    "password_changed": (
        "Votre mot de passe a été modifié",
        "camille.martin@example.org",
        f"{PUBLIC_URL}/mot-de-passe-oublie",
    ),
    "email_change_requested": (
        "Confirmez votre nouvelle adresse e-mail",
        "camille.martin@exemple.fr",
        f"{PUBLIC_URL}/compte/confirmation?jeton=Mn4Bv6Cx8Za1Sd3Fg5Hj7Kl9Qw2Er0Ty",
    ),
    "account_email_changed": (
        "Votre adresse e-mail a été modifiée",
        "camille.martin@example.org",
        f"{PUBLIC_URL}/connexion",
    ),
}


def rows(engine, query, **params):
    with engine.connect() as connection:
        return connection.execute(text(query), params).mappings().all()


def golden(name: str, **changes) -> dict:
    """A golden example with an event id of its own."""
    return {**example(name), "event_id": str(uuid.uuid4()), **changes}


def subject(email) -> str:
    """The decoded subject (the maildir keeps the encoded words of accented subjects)."""
    return str(make_header(decode_header(email["Subject"])))


def text_body(email) -> str:
    part = next(p for p in email.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")


def processed(engine, event: dict) -> bool:
    query = "SELECT count(*) AS n FROM processed_events WHERE event_id = :event_id"
    return rows(engine, query, event_id=event["event_id"])[0]["n"] == 1


def sent_for(engine, event: dict) -> list:
    query = "SELECT recipient FROM outgoing_messages WHERE source_event_id = :event_id"
    return rows(engine, query, event_id=event["event_id"])


def test_chaque_evenement_de_compte_donne_son_e_mail_une_seule_fois(
    container, engine, smtp, dispatch
):
    smtp.start()
    events = {name: golden(name) for name in ACCOUNT_MAILS}
    for _ in range(2):
        for name, event in events.items():
            dispatch(name, event, source="accounts")
    wait_until(lambda: len(smtp.messages()) >= len(ACCOUNT_MAILS), message="the e-mails")
    wait_until(lambda: all(processed(engine, e) for e in events.values()), message="handling")
    time.sleep(2)
    received = {subject(email): email for email in smtp.messages()}
    assert len(smtp.messages()) == len(received) == len(ACCOUNT_MAILS)
    for title, recipient, link in ACCOUNT_MAILS.values():
        assert received[title]["To"] == recipient
        assert link in text_body(received[title])


def test_invitation_d_un_agent_donne_un_lien_valable_72_heures(container, smtp, dispatch):
    smtp.start()
    invitation = golden(
        "password_reset_requested",
        reason="agent_invitation",
        expires_at="2026-11-29T08:00:00+00:00",
    )
    dispatch("password_reset_requested", invitation, source="accounts")
    wait_until(lambda: smtp.messages(), message="the invitation")
    [email] = smtp.messages()
    assert subject(email) == "Votre accès agent au portail"
    assert "valable 72 heures" in text_body(email)
    assert f"{PUBLIC_URL}/mot-de-passe/nouveau?jeton=" in text_body(email)


def test_preference_desactivee_supprime_les_e_mails_de_suivi_du_compte(
    container, engine, smtp, dispatch
):
    smtp.start()
    dispatch("account_registered", golden("account_registered"), source="accounts")
    opt_out = golden("notification_preferences_changed", occurred_at="2026-11-26T08:05:00+00:00")
    dispatch("notification_preferences_changed", opt_out, source="accounts")
    wait_until(lambda: processed(engine, opt_out), message="the preference")
    wait_until(
        lambda: (
            rows(engine, "SELECT email_notifications FROM contacts")
            == [{"email_notifications": False}]
        ),
        message="the projection",
    )
    submitted = golden("report_submitted", account_id=ACCOUNT_ID)
    mine = golden("report_status_changed", account_id=ACCOUNT_ID)
    unknown = golden("report_status_changed", account_id=str(uuid.uuid4()))
    anonymous = golden("report_status_changed", account_id=None)
    for event_type, event in [
        ("report_submitted", submitted),
        ("report_status_changed", mine),
        ("report_status_changed", unknown),
        ("report_status_changed", anonymous),
    ]:
        dispatch(event_type, event)
    for event in (submitted, mine, unknown, anonymous):
        wait_until(lambda e=event: processed(engine, e), message="the report events")
    assert sent_for(engine, mine) == []
    for event in (submitted, unknown, anonymous):
        assert len(sent_for(engine, event)) == 1


def test_compte_ferme_ne_recoit_plus_le_suivi(container, engine, smtp, dispatch):
    smtp.start()
    dispatch("account_registered", golden("account_registered"), source="accounts")
    closed = golden("account_closed")
    dispatch("account_closed", closed, source="accounts")
    wait_until(lambda: processed(engine, closed), message="the closure")
    assert rows(engine, "SELECT email, closed FROM contacts") == [{"email": None, "closed": True}]
    dispatch("account_closed", closed, source="accounts")
    status_changed = golden("report_status_changed", account_id=ACCOUNT_ID)
    dispatch("report_status_changed", status_changed)
    wait_until(lambda: processed(engine, status_changed), message="the status change")
    assert sent_for(engine, status_changed) == []
    assert rows(engine, "SELECT count(*) AS n FROM contacts")[0]["n"] == 1


def test_les_suiveurs_d_un_signalement_recoivent_son_suivi_sans_lien_prive(
    container, engine, smtp, dispatch
):
    smtp.start()
    changed = golden(
        "report_status_changed",
        followers=["voisin@example.org"],
        unsubscribe_keys={"voisin@example.org": "cle-du-voisin-0123456789abcdef"},
    )
    dispatch("report_status_changed", changed)
    dispatch("report_status_changed", changed)
    wait_until(lambda: len(smtp.messages()) == 2, message="the two e-mails")
    by_recipient = {email["To"]: email for email in smtp.messages()}
    assert set(by_recipient) == {"camille.martin@example.org", "voisin@example.org"}
    followed = by_recipient["voisin@example.org"]
    assert subject(followed) == "Signalement suivi ESP-2026-000123 : En cours"
    assert "que vous avez choisi de suivre" in text_body(followed)
    assert "Une équipe passe demain matin." in text_body(followed)
    assert changed["tracking_key"] not in followed.as_string()
    assert (
        "/signalements/ne-plus-suivre/ESP-2026-000123?cle=cle-du-voisin-0123456789abcdef"
        in text_body(followed)
    )
    assert "ne-plus-suivre" not in text_body(by_recipient["camille.martin@example.org"])
    assert changed["tracking_key"] in text_body(by_recipient["camille.martin@example.org"])
    assert len(sent_for(engine, changed)) == 2
