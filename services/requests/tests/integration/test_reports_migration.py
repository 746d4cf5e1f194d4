"""Public-space reports made in their own tables move into the démarche tables (revision
3b55360654a4) without losing a number, a key, a step of history, a photo or a follower, and
their numbering goes on after the highest number given."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from chassis.testing.fixtures import alembic_config, assert_models_match_migrations
from requests_service import domain
from requests_service.models import Base
from requests_service.repository import Reports

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
BEFORE = "b83f0d6c2e47"  # the last revision with the reports' own tables


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


GENERIC = (  # requests of other démarches already there: the reports' new ids are not theirs
    (1, "acte_etat_civil", "ECV-2026-000001", "deposee"),
    (2, "livret_famille", "LVF-2026-000001", "deposee"),
)
REPORTS = {  # old id: (number, key, category, address, lat, lon, email, account, status, dates)
    1: (
        "ESP-2026-000001",
        "cle-un",
        "voirie",
        "1 rue Pasteur",
        45.79,
        4.85,
        "a@example.org",
        "acc-1",
        "resolu",
        at(1),
        at(5),
    ),
    3: (
        "ESP-2026-000002",
        "cle-deux",
        "eclairage",
        "Quai Clemenceau",
        None,
        None,
        "b@example.org",
        None,
        "nouveau",
        at(2),
        at(2),
    ),
    4: (
        "ESP-2025-000009",
        "cle-trois",
        "tags",
        "Place Jules Ferry",
        45.8,
        4.84,
        "",
        None,
        "rejete",
        datetime(2025, 12, 30, tzinfo=UTC),
        at(3),
    ),
}
HISTORY = (  # old report id, status, comment, by, at
    (1, "nouveau", "", None, at(1)),
    (3, "nouveau", "", None, at(2)),
    (1, "en_cours", "Pris en charge.", "agent-7", at(3)),
    (4, "nouveau", "", None, datetime(2025, 12, 30, tzinfo=UTC)),
    (4, "rejete", "Hors de la commune.", "agent-8", at(3)),
    (1, "resolu", "Trou rebouché.", "agent-9", at(5)),
)
PHOTOS = ((1, 1, "trou.jpg", b"jpeg-1"), (1, 2, "detail.jpg", b"jpeg-2"), (3, 1, "nuit.jpg", b"n"))
FOLLOWERS = (
    (1, "voisin@example.org", "acc-2", "desabo-voisin"),
    (3, "riverain@example.org", None, "desabo-riverain"),
)
COUNTERS = {2025: 12, 2026: 2}  # 2025: three numbers were taken by submissions that failed


def build_old_schema(db) -> None:
    for request_id, demarche, number, status in GENERIC:
        db.execute(
            text(
                "INSERT INTO demarche_requests (id, demarche, tracking_number, tracking_key,"
                " payload, email, status, submitted_at, updated_at) VALUES (:id, :d, :n, 'k',"
                " '{}', 'c@example.org', :s, now(), now())"
            ),
            {"id": request_id, "d": demarche, "n": number, "s": status},
        )
    db.execute(text("SELECT setval('demarche_requests_id_seq', 2)"))
    for report_id, row in REPORTS.items():
        db.execute(
            text(
                "INSERT INTO reports (id, tracking_number, tracking_key, category, address,"
                " latitude, longitude, description, email, account_id, status, submitted_at,"
                " updated_at) VALUES (:id, :n, :k, :c, :a, :lat, :lon, 'Décrit.', :e, :acc,"
                " :s, :sub, :upd)"
            ),
            dict(
                zip(
                    ("id", "n", "k", "c", "a", "lat", "lon", "e", "acc", "s", "sub", "upd"),
                    (report_id, *row),
                    strict=True,
                )
            ),
        )
    for report_id, status, comment, by, when in HISTORY:
        db.execute(
            text(
                "INSERT INTO report_status_changes (report_id, status, comment, changed_by,"
                " changed_at) VALUES (:r, :s, :c, :b, :t)"
            ),
            {"r": report_id, "s": status, "c": comment, "b": by, "t": when},
        )
    for report_id, position, filename, data in PHOTOS:
        db.execute(
            text(
                "INSERT INTO report_photos (report_id, position, filename, content_type, width,"
                " height, size, data) VALUES (:r, :p, :f, 'image/jpeg', 4, 3, :z, :d)"
            ),
            {"r": report_id, "p": position, "f": filename, "z": len(data), "d": data},
        )
    for report_id, email, account, key in FOLLOWERS:
        db.execute(
            text(
                "INSERT INTO report_followers (report_id, email, account_id, followed_at,"
                " unsubscribe_key) VALUES (:r, :e, :a, now(), :k)"
            ),
            {"r": report_id, "e": email, "a": account, "k": key},
        )
    for year, last in COUNTERS.items():
        db.execute(
            text("INSERT INTO tracking_counters (year, last_value) VALUES (:y, :v)"),
            {"y": year, "v": last},
        )


@pytest.fixture(scope="module")
def migrated_from_old(postgres_database):
    """A database with reports in the old tables, then migrated to the head."""
    url = postgres_database("requests")
    config = alembic_config(ALEMBIC_INI, url)
    command.upgrade(config, BEFORE)
    engine = create_engine(url)
    with engine.begin() as db:
        build_old_schema(db)
    command.upgrade(config, "head")
    yield url, config, engine
    engine.dispose()


def test_chaque_signalement_garde_numero_cle_auteur_statut_et_dates(migrated_from_old):
    _, _, engine = migrated_from_old
    with Session(engine) as session:
        reports = Reports(session)
        for row in REPORTS.values():
            number, key, category, address, lat, lon, email, account, status, sub, upd = row
            report = domain.find_tracked_report(reports, number, key)  # the citizen's link
            assert report.demarche == "espace_public"
            assert (report.category, report.address, report.latitude, report.longitude) == (
                category,
                address,
                lat,
                lon,
            )
            assert report.description == "Décrit."
            assert (report.email, report.account_id, report.status) == (email, account, status)
            assert (report.submitted_at, report.updated_at) == (sub, upd)
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM reports")).scalar_one() == len(REPORTS)
        generic = db.execute(
            text(
                "SELECT id, tracking_number FROM demarche_requests WHERE demarche <> "
                "'espace_public' ORDER BY id"
            )
        ).all()
    assert generic == [(1, "ECV-2026-000001"), (2, "LVF-2026-000001")]


def test_l_historique_passe_a_l_historique_des_demarches(migrated_from_old):
    _, _, engine = migrated_from_old
    with Session(engine) as session:
        reports = Reports(session)
        for old_id, row in REPORTS.items():
            report = reports.find_by_number(row[0])
            expected = [(s, c, b, t) for r, s, c, b, t in HISTORY if r == old_id]
            steps = [(c.status, c.comment, c.changed_by, c.changed_at) for c in report.history]
            assert steps == expected
            assert all(c.internal_note == "" and not c.by_requester for c in report.history)
    with engine.connect() as db:
        tables = set(db.execute(text("SELECT tablename FROM pg_tables")).scalars())
    assert not tables & {"report_status_changes", "tracking_counters"}


def test_photos_et_abonnes_suivent_leur_signalement(migrated_from_old):
    _, _, engine = migrated_from_old
    with Session(engine) as session:
        reports = Reports(session)
        for old_id, row in REPORTS.items():
            report = reports.find_by_number(row[0])
            photos = [(p.position, p.filename, reports.photo_data(p)) for p in report.photos]
            assert photos == [(p, f, d) for r, p, f, d in PHOTOS if r == old_id]
            followers = [(f.email, f.account_id, f.unsubscribe_key) for f in report.followers]
            assert followers == [(e, a, k) for r, e, a, k in FOLLOWERS if r == old_id]


def test_la_numerotation_reprend_apres_le_plus_haut_numero(migrated_from_old):
    _, _, engine = migrated_from_old
    with engine.connect() as db:
        counters = db.execute(
            text("SELECT demarche, year, last_value FROM demarche_counters ORDER BY year")
        ).all()
    assert counters == [("espace_public", 2025, 12), ("espace_public", 2026, 2)]
    with Session(engine) as session:
        data = {
            "category": "voirie",
            "address": "2 rue Pasteur",
            "description": "Nid-de-poule.",
            "email": "d@example.org",
        }
        report = domain.submit_report(Reports(session), {}, data, [], at(20))
        session.commit()
        assert report.tracking_number == "ESP-2026-000003"
        assert report.id == 6  # after the two other requests and the three reports
        assert Reports(session).next_sequence(2025) == 13


def test_le_retour_arriere_remet_les_tables_des_signalements(migrated_from_old):
    url, config, engine = migrated_from_old
    with engine.connect() as db:
        before = db.execute(
            text(
                "SELECT d.tracking_number, d.tracking_key, d.status, count(c.id)"
                " FROM demarche_requests d JOIN reports r ON r.id = d.id"
                " JOIN demarche_status_changes c ON c.request_id = d.id"
                " GROUP BY d.id ORDER BY d.id"
            )
        ).all()
        counters = db.execute(
            text("SELECT year, last_value FROM demarche_counters ORDER BY year")
        ).all()
    command.downgrade(config, BEFORE)
    try:
        with engine.connect() as db:
            after = db.execute(
                text(
                    "SELECT r.tracking_number, r.tracking_key, r.status, count(c.id)"
                    " FROM reports r JOIN report_status_changes c ON c.report_id = r.id"
                    " GROUP BY r.id ORDER BY r.id"
                )
            ).all()
            old_counters = db.execute(
                text("SELECT year, last_value FROM tracking_counters ORDER BY year")
            ).all()
            left = db.execute(
                text("SELECT count(*) FROM demarche_requests WHERE demarche = 'espace_public'")
            ).scalar_one()
        assert after == before and len(after) >= len(REPORTS)
        assert old_counters == counters
        assert left == 0
    finally:
        command.upgrade(config, "head")
    assert_models_match_migrations(ALEMBIC_INI, Base.metadata, url)
