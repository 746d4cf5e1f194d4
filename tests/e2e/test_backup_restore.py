"""Backups: the compose backup command dumps every database, and its dumps restore.

``deploy/backup.sh`` is the command the compose service ``backup`` runs every night;
``deploy/restore.sh`` is the one docs/operations.md gives to restore. Both run here as
they do there, against the stack's PostgreSQL server (libpq variables), and the restored
databases, fresh ones, hold what each service wrote through the portal.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chassis.testing.fixtures import drop_database

REPO_ROOT = Path(__file__).resolve().parents[2]


def libpq_env(url: str, **extra: str) -> dict[str, str]:
    parts = make_url(url)
    env = dict(os.environ, PGHOST=parts.host or "127.0.0.1", PGPORT=str(parts.port or 5432))
    env.update(PGUSER=parts.username or "postgres", PGPASSWORD=parts.password or "")
    env.update(extra)
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command}: {done.returncode}\n{done.stderr}"
    return done


def one_value(url: str, sql: str, **params: object) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def test_une_sauvegarde_se_restaure_avec_les_donnees_de_chaque_service(
    stack, portal, helpers, new_email, tmp_path
):
    email = new_email()
    created = portal.submit_api(helpers.api_body(email))
    assert created.status_code == 201, created.text[:2000]
    number = created.json()["tracking_number"]
    helpers.poll(
        lambda: stack.count_rows("notifications", "outgoing_messages", "recipient = :r", r=email),
        30,
        "the message row",
    )

    urls = stack.database_urls
    names = {service: make_url(url).database for service, url in urls.items()}
    env = libpq_env(
        urls["accounts"],
        BACKUP_DIR=str(tmp_path / "backups"),
        BACKUP_DATABASES=" ".join(names.values()),
        BACKUP_RETENTION_DAYS="14",
    )
    old = tmp_path / "backups" / names["requests"] / f"{names['requests']}-20200101T000000Z.dump"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"an old dump")
    os.utime(old, (0, 0))

    run(["sh", str(REPO_ROOT / "deploy" / "backup.sh")], env)

    assert not old.exists(), "a dump older than the retention was kept"
    assert (tmp_path / "backups" / "last-success").read_text().strip()
    restored: dict[str, str] = {}
    try:
        for service, name in names.items():
            dumps = sorted((tmp_path / "backups" / name).glob("*.dump"))
            assert len(dumps) == 1, dumps
            fresh = f"t_restored_{service}_{uuid.uuid4().hex[:8]}"
            run(["sh", str(REPO_ROOT / "deploy" / "restore.sh"), str(dumps[0]), fresh], env)
            restored[service] = (
                make_url(urls[service]).set(database=fresh).render_as_string(hide_password=False)
            )

        admin = stack.admin_login[0]
        sql = "SELECT count(*) FROM accounts WHERE email = :e AND kind = 'agent'"
        assert one_value(restored["accounts"], sql, e=admin) == 1
        sql = "SELECT email FROM demarche_requests WHERE tracking_number = :n"
        assert one_value(restored["requests"], sql, n=number) == email
        sql = "SELECT count(*) FROM outgoing_messages WHERE recipient = :r"
        assert one_value(restored["notifications"], sql, r=email) >= 1
        for service, url in restored.items():
            sql = "SELECT version_num FROM alembic_version"
            assert one_value(url, sql) == one_value(urls[service], sql), service
    finally:
        for url in restored.values():
            drop_database(url)
