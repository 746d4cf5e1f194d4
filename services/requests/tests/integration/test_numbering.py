"""Numbering, storing and reading a report on the real PostgreSQL database: what it locks,
what it reads."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from chassis.testing.services import call
from contracts.base import example
from requests_service.repository import Reports


@pytest.fixture
def impatient_engine(database_url):
    """Gives up on any lock after 3 s (LockNotAvailable) instead of waiting for it."""
    engine = create_engine(database_url, connect_args={"options": "-c lock_timeout=3000"})
    yield engine
    engine.dispose()


def test_un_signalement_en_cours_ne_retient_pas_la_numerotation(impatient_engine):
    with Session(impatient_engine) as in_progress, Session(impatient_engine) as other:
        first = Reports(in_progress).next_sequence(2031)  # its submission has not committed
        second = Reports(other).next_sequence(2031)
        assert second == first + 1
        in_progress.rollback()  # the first submission fails: its number is not given again
        assert Reports(other).next_sequence(2031) == second + 1


@pytest.fixture
def statements():
    """Every SQL statement any engine of this process sends while the test runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield sent
    event.remove(Engine, "before_cursor_execute", record)


def test_un_signalement_sans_photo_ne_relit_ni_historique_ni_photo(container, statements):
    report = call(container, "submit_report", example("caller"), example("submit_report"))
    assert report["status"] == "nouveau"
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "demarche_status_changes" in s or "report_photos" in s]


def test_suivre_un_signalement_coute_deux_requetes(container, statements):
    report = call(container, "submit_report", example("caller"), example("submit_report"))
    statements.clear()
    number, key = report["tracking_number"], report["tracking_key"]
    assert call(container, "get_tracked_report", example("caller"), number, key)["history"]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "demarche_" in s]
    assert len(reads) == 2  # the report with its photo, then its history (not the relay's)
