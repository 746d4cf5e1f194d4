"""The MIME e-mail keeps long French subjects intact and has both text and HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.policy import compat32
from email.utils import formataddr, parseaddr
from types import SimpleNamespace

import pytest

from notifications.mailer import FAST, build_email, message_id

SENDER = "Ville de Caluire-et-Cuire <ne-pas-repondre@ville-caluire.fr>"


def outgoing(subject: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=42,
        recipient="camille.martin@example.org",
        subject=subject,
        created_at=datetime(2026, 11, 26, 8, 15, tzinfo=UTC),
        text_body="Bonjour,\nVotre signalement a été reçu.",
        html_body="<p>Bonjour,</p><p>Votre signalement a été reçu.</p>",
    )


def test_long_accented_subject_arrives_unchanged():
    subject = "Votre signalement ESP-2026-000123 a bien été reçu — éclairage public, rue Pasteur à Caluire"
    parsed = message_from_bytes(
        build_email(outgoing(subject), SENDER).as_bytes(), policy=policy.default
    )
    assert parsed["Subject"] == subject


def test_email_has_text_and_html_and_a_stable_message_id():
    email = build_email(outgoing("Sujet"), SENDER)
    types = [part.get_content_type() for part in email.get_payload()]
    assert types == ["text/plain", "text/html"]
    assert (
        email["Message-ID"]
        == message_id(outgoing("x"), SENDER)
        == "<notification-42@ville-caluire.fr>"
    )


def test_un_saut_de_ligne_dans_un_en_tete_est_refuse():
    for broken in ("a@example.org\nBcc: x@example.net", "Sujet\r\nBcc: x@example.net"):
        message = outgoing("Sujet")
        if "@" in broken:
            message.recipient = broken
        else:
            message.subject = broken
        with pytest.raises(ValueError, match="line break"):
            build_email(message, SENDER)


def raw_email(message: SimpleNamespace, sender: str = SENDER) -> bytes:
    return build_email(message, sender).as_bytes(policy=compat32.clone(linesep="\r\n"))


def parsed(message: SimpleNamespace, sender: str = SENDER):
    return message_from_bytes(raw_email(message, sender), policy=policy.default)


def test_bodies_read_back_unchanged_on_short_lines():
    message = outgoing("Votre signalement ESP-2026-000123 a bien été reçu — éclairage public")
    message.text_body = (
        "Bonjour,\n.\nUne ligne très longue " + "é" * 120 + " fin\nespace final \n=3D\n\nFin"
    )
    message.html_body = "<p>Été</p>\n<p>" + "x" * 200 + "</p>"
    written = parsed(message)
    assert written["Subject"] == message.subject
    assert [p.get_content_type() for p in written.iter_parts()] == ["text/plain", "text/html"]
    text, html = (part.get_content() for part in written.iter_parts())
    assert text.replace("\r\n", "\n").rstrip("\n") == message.text_body
    assert html.replace("\r\n", "\n").rstrip("\n") == message.html_body
    raw = raw_email(message)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322, 2.1.1


def test_written_email_encodes_an_accented_sender_name_and_keeps_a_short_subject():
    sender = "Mairie de Lyon — Écoute <ecoute@lyon.fr>"
    message = parsed(outgoing("Sujet"), sender)
    assert message["From"] == sender
    assert message["Subject"] == "Sujet"
    assert raw_email(outgoing("Sujet"), sender).isascii()


def test_email_with_attachments_is_built_by_the_email_package():
    message = outgoing("Rendez-vous")
    message.attachments = [
        {"filename": "rdv.ics", "content_type": "text/calendar", "data": "QkVHSU4="}
    ]
    parts = [p.get_content_type() for p in parsed(message).iter_parts()]
    assert parts == ["multipart/alternative", "text/calendar"]


@pytest.mark.parametrize(
    "subject",
    [
        "Votre signalement ESP-2026-000123 a bien été reçu",
        "Été",
        "é" * 100,
        "Réponse =?utf-8?q?piège?= à la demande  DEM-2026-000001\tfin",
        "Un sujet ASCII très " + "long " * 30,
    ],
)
def test_subjects_read_back_unchanged_and_ascii_words_stay_readable(subject):
    raw = raw_email(outgoing(subject), SENDER)
    assert parsed(outgoing(subject))["Subject"] == subject
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998  # RFC 5322, 2.1.1
    if "ESP-2026-000123" in subject:
        assert b"ESP-2026-000123" in head


@pytest.mark.parametrize(
    "subject",
    ["Sujet", "Nouvelle facture PERI-20001-202704-17", "Un sujet ASCII " + "long " * 20],
)
def test_the_fast_policy_writes_what_compat32_writes(subject):
    message = outgoing(subject)
    message.attachments = [
        {"filename": "facture.pdf", "content_type": "application/pdf", "data": "JVBERi0="}
    ]
    email = build_email(message, SENDER)
    smtp = email.policy.clone(linesep="\r\n")  # as smtplib.send_message writes it
    assert email.as_bytes(policy=smtp) == email.as_bytes(policy=compat32.clone(linesep="\r\n"))


@pytest.mark.parametrize(
    "value",
    [
        "a@example.org",
        " espace devant",
        "espace derriere ",
        "deux  espaces",
        "x" * 72,
        "x" * 73,
        "mots " * 20,
        "Réponse",
        "tab\tulation",
    ],
)
def test_the_fast_policy_folds_any_header_as_compat32(value):
    fast = FAST.clone(linesep="\r\n")
    assert fast.fold("X-Test", value) == compat32.clone(linesep="\r\n").fold("X-Test", value)


def test_a_french_subject_is_written_in_encoded_words_of_at_most_75_characters():
    subject = "Votre facture PERI-20001-202704-17 : 94,40 € à régler — " + "é" * 80
    raw = build_email(outgoing(subject), SENDER).as_bytes(policy=FAST.clone(linesep="\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    words = [line.strip() for line in head.split("Subject:", 1)[1].split("\r\n")]
    words = words[: next(i for i, w in enumerate(words[1:], 1) if ":" in w and "=?" not in w)]
    assert all(len(word) <= 75 and word.startswith("=?utf-8?q?") for word in words)
    assert "PERI-20001-202704-17" in head
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject


@pytest.mark.parametrize(
    "address",
    ["a@example.org", "Camille <c@example.org>", "x+y_z%1@a-b.example.fr", "<a@example.org>"],
)
def test_a_recipient_is_written_as_parsing_and_formatting_it_writes(address):
    message = outgoing("Sujet")
    message.recipient = address
    expected = formataddr(parseaddr(address), charset="utf-8")
    assert build_email(message, SENDER)["To"] == expected
