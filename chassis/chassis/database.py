"""The database dependency: one engine per service process, one session per unit of work.

    class RequestsService:
        db = Database(Base)

        @rpc
        def submit_report(self, caller, payload):
            with self.db.session() as session:   # commits on success, rolls back on error
                ...

The engine is created when the container starts (never at import) from
``<SERVICE>_DATABASE_URL``, always PostgreSQL (psycopg2 is cooperative under eventlet, so a
worker waiting for a lock never blocks the others). Bound values may be personal data: the
engine hides them from logs and from the text of its exceptions (``hide_parameters``).

A pooled connection that sat idle for ``PING_AFTER_IDLE_SECONDS`` or more is tested with a
round trip when it is checked out, and replaced if the server dropped it (a restart, a
failover): the first unit of work after an outage does not fail on a dead connection. A
connection used less than a second ago is handed out without that round trip, which
SQLAlchemy's ``pool_pre_ping`` made on every checkout (about a tenth of a ``ping``'s CPU
under load, bench/README.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import Engine, MetaData, create_engine, event, exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from chassis import config

PING_AFTER_IDLE_SECONDS = 1.0
"""Shorter than any restart or failover of PostgreSQL, longer than the gap between two units
of work of a busy service."""


def make_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> Engine:
    """An engine with the settings every service wants for the PostgreSQL ``url``."""
    engine = create_engine(url, pool_size=10, max_overflow=10, hide_parameters=True)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """Test a connection idle for ``seconds`` or more at checkout; replace it if dead."""

    @event.listens_for(engine, "checkin")
    def stamp(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # new, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            alive = not engine.dialect.is_disconnect(error, dbapi_connection, None)
            if alive:
                raise
        if not alive:
            raise exc.DisconnectionError("connection dropped while idle")  # the pool retries


class Sessions:
    """What a worker gets: ``session()`` and the engine, nothing more."""

    def __init__(self, engine: Engine, metadata: MetaData) -> None:
        self.engine = engine
        self.metadata = metadata
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


class Database(DependencyProvider):
    """SQLAlchemy for a nameko service; ``base`` is the service's declarative base."""

    def __init__(self, base: type[DeclarativeBase], url: str | None = None) -> None:
        self.base = base
        self.url = url
        self.sessions: Sessions | None = None

    def setup(self) -> None:
        url = (
            self.url
            or self.container.config.get("DATABASE_URL")
            or config.database_url(self.container.service_name)
        )
        self.sessions = Sessions(make_engine(url), self.base.metadata)

    def stop(self) -> None:
        if self.sessions is not None:
            self.sessions.engine.dispose()

    kill = stop

    def get_dependency(self, worker_ctx) -> Sessions:
        return self.sessions
