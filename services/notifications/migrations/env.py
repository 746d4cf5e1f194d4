"""Alembic environment of the notifications database (the shared logic is in chassis.migrations)."""

from chassis.migrations import run_migrations
from notifications.models import Base

run_migrations(Base.metadata, "notifications")
