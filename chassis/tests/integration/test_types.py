"""Times come back aware and in UTC whatever the connection's time zone; bound values stay
out of error texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from chassis.database import make_engine
from chassis.types import UtcDateTime


@pytest.fixture
def moments(postgres_database):
    metadata = MetaData()
    table = Table(
        "moments",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UtcDateTime()),
        Column("email", String(30)),
    )
    engine = make_engine(postgres_database("chassis_types"))
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_a_time_comes_back_aware_and_in_utc_from_a_paris_connection(moments):
    engine, table = moments
    paris = timezone(timedelta(hours=1))
    stored = datetime(2025, 11, 26, 9, 15, tzinfo=paris)
    with engine.begin() as connection:
        connection.execute(text("SET TIME ZONE 'Europe/Paris'"))
        connection.execute(insert(table).values(id=1, at=stored))
        loaded = connection.execute(select(table.c.at)).scalar_one()
    assert loaded == stored and loaded.tzinfo == UTC
    assert loaded < datetime.now(UTC)


def test_naive_times_are_refused(moments):
    engine, table = moments
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as connection:
        connection.execute(insert(table).values(id=2, at=datetime(2026, 11, 26, 9, 15)))


def test_bound_values_stay_out_of_database_errors(moments):
    """A bound value may be personal data: it must not reach logs through an exception."""
    engine, table = moments
    email = "camille.martin-de-la-croix-rousse@exemple.fr"  # too long for the column
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(insert(table).values(id=4, email=email))
    assert "hidden due to hide_parameters" in str(caught.value)
    assert email not in str(caught.value)
