"""Alembic environment of the accounts database (the shared logic is in chassis.migrations)."""

from accounts.models import Base

from chassis.migrations import run_migrations

run_migrations(Base.metadata, "accounts")
