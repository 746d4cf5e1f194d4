"""The database dependency's pool on a real PostgreSQL: no round trip on a busy connection,
and a connection the server dropped while idle is replaced before anyone uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, create_engine, text

from chassis.database import Sessions, make_engine


@pytest.fixture
def url(postgres_database) -> str:
    return postgres_database("pool")


def count_pings(engine) -> list[int]:
    """Counts the liveness round trips the engine's dialect makes (and still makes them)."""
    pings = [0]
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings[0] += 1
        return real_ping(dbapi_connection)

    engine.dialect.do_ping = counted
    return pings


def backend_pid(sessions: Sessions) -> int:
    with sessions.session() as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_busy_connection_is_handed_out_without_a_ping(url):
    engine = make_engine(url)
    pings = count_pings(engine)
    sessions = Sessions(engine, MetaData())
    first = backend_pid(sessions)
    for _ in range(20):
        assert backend_pid(sessions) == first
    assert pings[0] == 0
    engine.dispose()


def test_connection_dropped_while_idle_is_replaced(url):
    engine = make_engine(url, ping_after_idle=0.0)  # every checkout counts as after idling
    pings = count_pings(engine)
    sessions = Sessions(engine, MetaData())
    dropped = backend_pid(sessions)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()
    assert backend_pid(sessions) != dropped  # no error reached the unit of work
    assert pings[0] >= 1
    engine.dispose()
