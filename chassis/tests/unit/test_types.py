"""Times come back aware and in UTC, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from chassis.database import make_engine
from chassis.types import UtcDateTime


@pytest.fixture
def moments():
    metadata = MetaData()
    table = Table(
        "moments", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime())
    )
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_sqlite_gives_back_an_aware_utc_time_that_compares_with_now(moments):
    engine, table = moments
    paris = timezone(timedelta(hours=1))
    stored = datetime(2025, 11, 26, 9, 15, tzinfo=paris)
    with engine.begin() as connection:
        connection.execute(insert(table).values(id=1, at=stored))
        loaded = connection.execute(select(table.c.at)).scalar_one()
    assert loaded == stored and loaded.tzinfo == UTC
    assert loaded < datetime.now(UTC)


def test_naive_times_are_refused(moments):
    engine, table = moments
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as connection:
        connection.execute(insert(table).values(id=2, at=datetime(2026, 11, 26, 9, 15)))
