"""A handler's e-mail goes out as its transaction commits, unless the relay was unreachable
lately: then it is left to the delivery loop (the row is written either way)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from notifications import delivery
from notifications.delivery import MessageQueue
from notifications.rendering import Rendered


class FakeMessages:
    stored: list = []

    def __init__(self, session) -> None:
        self.attempts: list = []

    def add(self, event_id, rendered, now):
        return SimpleNamespace(
            id=1, status="pending", attempts=0, last_error=None, recipient=rendered.recipient
        )

    def store(self, event_id, rendered, now) -> None:
        self.stored.append(rendered)

    def record_attempt(self, message, error, now) -> None:
        self.attempts.append(error)


class FakeMailer:
    def __init__(self, reachable: bool) -> None:
        self.reachable, self.sent = reachable, []

    def reachable_lately(self) -> bool:
        return self.reachable

    def send(self, message) -> None:
        self.sent.append(message)


RENDERED = Rendered("report_submitted", "camille.martin@example.org", "Sujet", "texte", "<p>")


@pytest.fixture(autouse=True)
def fake_messages(monkeypatch):
    monkeypatch.setattr(delivery, "Messages", FakeMessages)


def test_le_courriel_part_au_commit_de_la_transaction_du_gestionnaire():
    mailer, session = FakeMailer(reachable=True), Session()
    queue = MessageQueue(mailer)
    queue.queue(session, {"event_id": "e-1"}, RENDERED)
    queue.queue(session, {"event_id": "e-1"}, RENDERED)
    assert mailer.sent == []  # nothing before the commit: a handler that raises sends nothing
    session.commit()
    assert [m.status for m in mailer.sent] == ["sent", "sent"]
    assert queue.left_for_loop == 0


def test_relais_injoignable_le_courriel_est_laisse_a_la_boucle():
    mailer, session = FakeMailer(reachable=False), Session()
    queue = MessageQueue(mailer)
    queue.queue(session, {"event_id": "e-1"}, RENDERED)
    session.commit()
    assert mailer.sent == []
    assert queue.left_for_loop == 1


def test_un_gestionnaire_annule_n_envoie_rien():
    mailer, session = FakeMailer(reachable=True), Session()
    session.begin()  # the handler's transaction (begun by its first statement in the service)
    MessageQueue(mailer).queue(session, {"event_id": "e-1"}, RENDERED)
    session.rollback()
    session.commit()  # a later unit of work on the same session: still nothing to send
    assert mailer.sent == []


def test_un_courriel_en_nombre_est_laisse_a_la_boucle_qui_les_envoie_par_lots():
    mailer, session = FakeMailer(reachable=True), Session()
    queue = MessageQueue(mailer)
    queue.queue(session, {"event_id": "e-1"}, RENDERED, bulk=True)
    session.commit()
    assert mailer.sent == []
    assert queue.left_for_loop == 1
