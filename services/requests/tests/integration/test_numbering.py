"""Tracking numbers under concurrent submissions, on the real PostgreSQL database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

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
