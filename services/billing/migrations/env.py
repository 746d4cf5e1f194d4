"""Alembic environment of the billing database (the shared logic is in chassis.migrations)."""

from billing.models import Base

from chassis.migrations import run_migrations

run_migrations(Base.metadata, "billing")
