"""Migrations are generated from the models: a fresh database migrated to head matches them."""

from __future__ import annotations

from pathlib import Path

from chassis.testing.fixtures import assert_models_match_migrations
from notifications.models import Base

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_modeles_et_migrations_concordent(postgres_database):
    url = postgres_database("notifications")
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)
