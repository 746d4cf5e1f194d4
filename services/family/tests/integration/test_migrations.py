"""Migrations are generated from the models: a fresh database migrated to head matches them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chassis.testing.fixtures import assert_models_match_migrations
from family.models import Base

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_modeles_et_migrations_concordent(postgres_database):
    url = postgres_database("family")
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)


def test_migrations_lancees_ensemble_ne_se_genent_pas(postgres_database):
    """Two pods starting together run their migration jobs at once: both must succeed."""
    url = postgres_database("family")
    env = {**os.environ, "FAMILY_DATABASE_URL": url}
    command = [
        str(Path(sys.executable).with_name("alembic")),
        "-c",
        "alembic.ini",
        "upgrade",
        "head",
    ]
    runs = [
        subprocess.Popen(
            command, cwd=ALEMBIC_INI.parent, env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)
