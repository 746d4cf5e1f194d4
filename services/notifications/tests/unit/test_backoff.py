"""A message that cannot be sent is tried again later, less and less often, then given up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from notifications import domain

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def pending_message():
    return SimpleNamespace(
        status="pending", attempts=0, next_attempt_at=NOW, last_error=None, sent_at=None
    )


def test_delais_doublent_jusqu_a_cinq_minutes():
    delays = [domain.retry_delay(n).total_seconds() for n in range(1, 11)]
    assert delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_echec_programme_la_prochaine_tentative():
    message = pending_message()
    domain.record_failure(message, "Connection refused", NOW)
    assert (message.status, message.attempts, message.last_error) == (
        "pending",
        1,
        "Connection refused",
    )
    assert message.next_attempt_at == NOW + timedelta(seconds=2)


def test_abandon_apres_vingt_tentatives_en_un_peu_plus_d_une_heure():
    message = pending_message()
    elapsed = timedelta()
    while message.status == "pending":
        domain.record_failure(message, "timeout", NOW + elapsed)
        if message.next_attempt_at is not None:
            elapsed = message.next_attempt_at - NOW
    assert (message.status, message.attempts) == ("failed", domain.MAX_ATTEMPTS)
    assert message.next_attempt_at is None
    assert timedelta(minutes=45) < elapsed < timedelta(minutes=90)


def test_succes_marque_le_message_envoye():
    message = pending_message()
    domain.record_success(message, NOW)
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, NOW)


def test_lien_de_suivi_sans_double_barre():
    link = domain.tracking_link("http://localhost:8000/", "ESP-2026-000001", "a-b_c")
    assert link == "http://localhost:8000/suivi/ESP-2026-000001?cle=a-b_c"


def test_le_vingtieme_essai_vient_environ_64_minutes_apres_le_premier():
    """docs/design.md, "E-mails": 20 attempts, about 64 minutes from the first to the last."""
    waits = [domain.retry_delay(n) for n in range(1, domain.MAX_ATTEMPTS)]
    assert sum(waits, timedelta()) == timedelta(seconds=3810)
