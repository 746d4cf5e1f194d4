"""Appointment events become e-mails with a calendar file that a calendar application reads:
confirmed, then moved (same UID, SEQUENCE 1), then cancelled (METHOD:CANCEL)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import decode_header, make_header

from icalendar import Calendar

from chassis.testing.fixtures import wait_until
from contracts.base import example


def subject(email) -> str:
    return str(make_header(decode_header(email["Subject"])))


def calendar_of(email) -> Calendar:
    [part] = [p for p in email.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "rendez-vous.ics"
    return Calendar.from_ical(part.get_payload(decode=True))


def by_subject(smtp, start: str):
    return next(m for m in smtp.messages() if subject(m).startswith(start))


def test_confirmation_deplacement_et_annulation_avec_fichier_ics(container, smtp, dispatch):
    smtp.start()
    dispatch("appointment_booked", example("appointment_booked"))
    wait_until(lambda: len(smtp.messages()) == 1, message="the confirmation")
    confirmed = by_subject(smtp, "Votre rendez-vous Passeport du 02/03/2027 à 08 h 30 est confirmé")
    assert confirmed["To"] == "camille.martin@example.org"
    body = next(p for p in confirmed.walk() if p.get_content_type() == "text/plain")
    text = body.get_payload(decode=True).decode("utf-8")
    link = "https://portail.example.org/rendez-vous/gerer/RDV-2027-000001?cle=Qm7Xr2Lp"
    assert link in text
    [entry] = calendar_of(confirmed).walk("VEVENT")
    assert str(entry["uid"]) == "RDV-2027-000001@portail.example.org"
    assert entry.decoded("dtstart") == datetime(2027, 3, 2, 7, 30, tzinfo=UTC)
    assert entry.decoded("dtend") == datetime(2027, 3, 2, 7, 50, tzinfo=UTC)
    assert (entry["sequence"], str(entry["status"])) == (0, "CONFIRMED")

    dispatch("appointment_moved", example("appointment_moved"))
    wait_until(lambda: len(smtp.messages()) == 2, message="the move")
    moved = by_subject(smtp, "Votre rendez-vous Passeport est déplacé au 03/03/2027 à 14 h 10")
    [entry] = calendar_of(moved).walk("VEVENT")
    assert (str(entry["uid"]), entry["sequence"]) == ("RDV-2027-000001@portail.example.org", 1)
    assert entry.decoded("dtstart") == datetime(2027, 3, 3, 13, 10, tzinfo=UTC)

    dispatch("appointment_cancelled", example("appointment_cancelled"))
    wait_until(lambda: len(smtp.messages()) == 3, message="the cancellation")
    cancelled = calendar_of(
        by_subject(smtp, "Votre rendez-vous Passeport du 02/03/2027 à 08 h 30 est annulé")
    )
    assert str(cancelled["method"]) == "CANCEL"


def test_rappel_de_la_veille(container, smtp, dispatch):
    smtp.start()
    dispatch("appointment_reminder_due", example("appointment_reminder_due"))
    wait_until(lambda: smtp.messages(), message="the reminder")
    [email] = smtp.messages()
    assert subject(email) == "Rappel : votre rendez-vous Passeport demain, le 02/03/2027 à 08 h 30"
    assert calendar_of(email).walk("VEVENT")


def test_salle_des_fetes_acceptee_avec_montant_puis_refusee_avec_motif(container, smtp, dispatch):
    smtp.start()
    dispatch("fee_due", example("fee_due"))
    dispatch("hall_booking_refused", example("hall_booking_refused"))
    wait_until(lambda: len(smtp.messages()) == 2, message="the two e-mails")
    accepted = by_subject(smtp, "Salle des fêtes : votre demande SDF-2027-000012 est acceptée")
    text = next(p for p in accepted.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode("utf-8")
    assert "450,00 €, avant le 29/05/2027" in body
    refused = by_subject(smtp, "Salle des fêtes : votre demande SDF-2027-000013 est refusée")
    text = next(p for p in refused.walk() if p.get_content_type() == "text/plain")
    assert "fête de la musique" in text.get_payload(decode=True).decode("utf-8")


def test_creneau_libere_propose_avec_le_lien_de_confirmation(container, smtp, dispatch):
    smtp.start()
    dispatch("appointment_slot_offered", example("appointment_slot_offered"))
    wait_until(lambda: smtp.messages(), message="the offer")
    [email] = smtp.messages()
    assert subject(email) == (
        "Un créneau Passeport s'est libéré le 02/03/2027 à 08 h 30 :"
        " il vous est réservé jusqu'au 01/03/2027 à 13 h 30"
    )
    text = next(p for p in email.walk() if p.get_content_type() == "text/plain")
    assert "/rendez-vous/gerer/RDV-2027-000002?cle=" in text.get_payload(decode=True).decode()
