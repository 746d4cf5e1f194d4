"""Migrations are generated from the models: a fresh database migrated to head matches them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from chassis.testing.fixtures import (
    alembic_config,
    assert_models_match_migrations,
    assert_simultaneous_migrations_succeed,
)
from requests_service.models import Base

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def test_modeles_et_migrations_concordent(postgres_database):
    url = postgres_database("requests")
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)


def test_migrations_lancees_ensemble_ne_se_genent_pas(postgres_database):
    """Two pods starting together run their migration jobs at once: both must succeed."""
    url = postgres_database("requests")
    assert_simultaneous_migrations_succeed(ALEMBIC_INI, "requests", url)
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)


def test_les_copies_d_actes_existantes_passent_au_parcours_commun(postgres_database):
    """An état-civil copy asked before the shared workflow keeps its history, renamed."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from chassis.testing.fixtures import alembic_config

    url = postgres_database("requests")
    config = alembic_config(ALEMBIC_INI, url)
    command.upgrade(config, "5579d8bfb7ad")
    engine = create_engine(url)
    with engine.begin() as db:
        for number, demarche, status in (
            ("ECV-2026-000001", "acte_etat_civil", "envoyee"),
            ("ECV-2026-000002", "acte_etat_civil", "nouvelle"),
            ("LVF-2026-000001", "livret_famille", "deposee"),
        ):
            request_id = db.execute(
                text(
                    "INSERT INTO demarche_requests (demarche, tracking_number, tracking_key, "
                    "payload, email, status, submitted_at, updated_at) VALUES (:d, :n, 'k', "
                    "'{}', 'a@example.org', :s, now(), now()) RETURNING id"
                ),
                {"d": demarche, "n": number, "s": status},
            ).scalar_one()
            steps = {"envoyee": ("nouvelle", "en_cours", "envoyee")}.get(status, (status,))
            for step in steps:
                db.execute(
                    text(
                        "INSERT INTO demarche_status_changes (request_id, status, comment, "
                        "changed_at) VALUES (:r, :s, '', now())"
                    ),
                    {"r": request_id, "s": step},
                )
    command.upgrade(config, "head")
    with engine.connect() as db:
        rows = db.execute(
            text(
                "SELECT r.tracking_number, r.status, array_agg(c.status ORDER BY c.id) "
                "FROM demarche_requests r JOIN demarche_status_changes c ON c.request_id = r.id "
                "GROUP BY r.tracking_number, r.status ORDER BY r.tracking_number"
            )
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("ECV-2026-000001", "delivree", ["deposee", "en_cours", "delivree"]),
        ("ECV-2026-000002", "deposee", ["deposee"]),
        ("LVF-2026-000001", "deposee", ["deposee"]),
    ]


def test_la_photo_unique_d_un_signalement_existant_devient_sa_premiere(postgres_database):
    """Reports made before several photos were allowed keep theirs, as photo 1, and their
    followers get a key to stop following."""
    url = postgres_database("requests")
    config = alembic_config(ALEMBIC_INI, url)
    command.upgrade(config, "5579d8bfb7ad")  # one photo per report, followers without keys
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO reports (id, tracking_number, tracking_key, category, address,"
                    " description, email, status, submitted_at, updated_at) VALUES (1,"
                    " 'ESP-2026-000001', 'cle', 'voirie', '1 rue', 'Trou.', 'a@example.org',"
                    " 'nouveau', now(), now())"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO report_photos (report_id, filename, content_type, width,"
                    " height, size, data) VALUES (1, 'trou.jpg', 'image/jpeg', 1, 1, 3, 'abc')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO report_followers (report_id, email, followed_at)"
                    " VALUES (1, 'voisin@example.org', now())"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            photos = connection.execute(
                text("SELECT report_id, position, filename FROM report_photos")
            ).all()
            keys = (
                connection.execute(text("SELECT unsubscribe_key FROM report_followers"))
                .scalars()
                .all()
            )
        assert photos == [(1, 1, "trou.jpg")]
        assert len(keys) == 1 and len(keys[0]) == 32
    finally:
        engine.dispose()
