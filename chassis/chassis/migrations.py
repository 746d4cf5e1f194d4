"""Alembic's env.py for every service, written once.

A service's ``migrations/env.py`` is::

    from chassis.migrations import run_migrations
    from requests_service.models import Base

    run_migrations(Base.metadata, "requests")

The URL comes from ``<SERVICE>_DATABASE_URL`` (or ``sqlalchemy.url`` when a test passes one
through the Alembic config), so migrations and the running service always agree.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, text

from chassis import config
from chassis.database import make_engine


def run_migrations(metadata: MetaData, service: str) -> None:
    """Run the current Alembic command against the service's database."""
    url = context.config.get_main_option("sqlalchemy.url") or config.database_url(service)
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                compare_type=True,
            )
            with context.begin_transaction():
                _lock_against_concurrent_runs(connection, service)
                context.run_migrations()
    finally:
        engine.dispose()


def _lock_against_concurrent_runs(connection, service: str) -> None:
    """One migration run per service database at a time.

    Several pods may start their migration initContainers together; the transaction-scoped
    advisory lock makes the others wait, then find the schema already at head.
    """
    key = f"portail-migrations:{service}"
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
