"""The MIME e-mail keeps long French subjects intact and has both text and HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest

from notifications.mailer import build_email, message_id

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
