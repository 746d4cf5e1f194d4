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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from chassis import config


def make_engine(url: str) -> Engine:
    """An engine with the settings every service wants for the PostgreSQL ``url``."""
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


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
