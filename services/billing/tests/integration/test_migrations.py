"""Migrations are generated from the models: a fresh database migrated to head matches them."""

from __future__ import annotations

from pathlib import Path

from billing.models import Base

from chassis.testing.fixtures import (
    assert_models_match_migrations,
    assert_simultaneous_migrations_succeed,
)

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_modeles_et_migrations_concordent(postgres_database):
    url = postgres_database("billing")
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)


def test_migrations_lancees_ensemble_ne_se_genent_pas(postgres_database):
    """Two pods starting together run their migration jobs at once: both must succeed."""
    url = postgres_database("billing")
    assert_simultaneous_migrations_succeed(ALEMBIC_INI, "billing", url)
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)
