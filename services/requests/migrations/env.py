"""Alembic environment of the requests database (the shared logic is in chassis.migrations)."""

from chassis.migrations import run_migrations
from requests_service.models import Base

run_migrations(Base.metadata, "requests")
