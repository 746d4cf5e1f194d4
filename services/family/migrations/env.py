"""Alembic environment of the family database (the shared logic is in chassis.migrations)."""

from chassis.migrations import run_migrations
from family import dossier_models  # noqa: F401  (its tables join Base.metadata)
from family.models import Base

run_migrations(Base.metadata, "family")
