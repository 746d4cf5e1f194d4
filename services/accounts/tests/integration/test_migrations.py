"""Migrations are generated from the models: a fresh database migrated to head matches them."""

from __future__ import annotations

from pathlib import Path

from accounts.models import Base

from chassis.testing.fixtures import assert_models_match_migrations

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_modeles_et_migrations_concordent(postgres_database):
    url = postgres_database("accounts")
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)
