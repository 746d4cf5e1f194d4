"""Alembic environment of the family database (the shared logic is in chassis.migrations)."""

from chassis.migrations import run_migrations
from family import dossier_models, preregistration_models  # noqa: F401  (tables of Base)
from family.models import Base

run_migrations(Base.metadata, "family")
