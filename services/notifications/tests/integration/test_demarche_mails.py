"""Démarche events become e-mails at the statuses their definition marks, with the link."""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

from chassis.testing.fixtures import wait_until
from contracts.base import example


def subject(email) -> str:
    return str(make_header(decode_header(email["Subject"])))


def text_body(email) -> str:
    part = next(p for p in email.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")


def test_refus_d_une_demande_d_acte_donne_un_email_avec_le_motif(container, smtp, dispatch):
    smtp.start()
    dispatch("demarche_status_changed", example("demarche_status_changed"))
    wait_until(lambda: smtp.messages(), message="the e-mail")
    [email] = smtp.messages()
    assert subject(email) == "Votre demande ECV-2026-000001 : Rejetée"
    assert email["To"] == "camille.martin@example.org"
    body = text_body(email)
    assert "Aucun acte à ce nom n'est enregistré dans notre commune." in body
    assert "https://portail.example.org/demarches/suivi/ECV-2026-000001?cle=Zx8Q" in body


def test_statut_sans_e_mail_selon_la_definition_n_envoie_rien(container, smtp, dispatch):
    smtp.start()
    quiet = {**example("demarche_status_changed"), "notify": False}
    dispatch("demarche_status_changed", quiet)
    loud = {**example("demarche_status_changed"), "event_id": str(uuid.uuid4())}
    loud["tracking_number"] = "ECV-2026-000002"
    dispatch("demarche_status_changed", loud)
    wait_until(lambda: smtp.messages(), message="the e-mail")
    assert [subject(m) for m in smtp.messages()] == ["Votre demande ECV-2026-000002 : Rejetée"]
