"""The PostgreSQL of the local run: the machine's server when it answers, else an embedded one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chassis.testing.fixtures import POSTGRES_URL, free_port
from devstack.postgres import PostgresUnavailable, ensure_databases, local_postgres
from devstack.processes import answers


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_the_server_that_answers_is_used_as_it_is(tmp_path):
    server_url, embedded = local_postgres(tmp_path / "postgres", POSTGRES_URL)
    assert embedded is None
    assert server_url == POSTGRES_URL
    assert not (tmp_path / "postgres").exists()


def test_a_server_that_refuses_the_connection_is_reported_not_replaced(tmp_path):
    refusing = make_url(POSTGRES_URL).set(username="personne_de_connu").render_as_string()
    server_url, embedded = local_postgres(tmp_path / "postgres", refusing)
    assert embedded is None
    with pytest.raises(PostgresUnavailable, match="LOCAL_POSTGRES_URL"):
        ensure_databases(server_url, ["accounts"])


@pytest.fixture
def outside_pytest_tmp():
    """A folder outside pytest's base temporary folder: as root the server runs as the system
    user ``pgserver``, which must traverse every parent, and each new pytest session sets
    ``/tmp/pytest-of-<user>`` back to mode 0700 (two test runs at once broke the first)."""
    folder = Path(tempfile.mkdtemp(prefix="portail-embedded-pg-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_embedded_server_starts_where_nothing_answers_and_keeps_its_data(outside_pytest_tmp):
    tmp_path = outside_pytest_tmp
    port = free_port()
    wanted = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    server_url, embedded = local_postgres(tmp_path / "postgres", wanted)
    try:
        assert embedded is not None and server_url == wanted
        assert scalar(server_url, "SHOW server_version").startswith("16.")
        urls = ensure_databases(server_url, ["accounts", "requests"])
        assert (
            urls["requests"] == f"postgresql+psycopg2://postgres@127.0.0.1:{port}/portail_requests"
        )
        assert scalar(urls["accounts"], "SELECT current_database()") == "portail_accounts"
        engine = create_engine(urls["requests"])
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (label text)"))
            connection.execute(text("INSERT INTO kept VALUES ('conservé')"))
        engine.dispose()
    finally:
        if embedded is not None:
            embedded.stop()
    assert not answers("127.0.0.1", port)

    # The next run finds its data directory and its databases again.
    server_url, embedded = local_postgres(tmp_path / "postgres", wanted)
    try:
        urls = ensure_databases(server_url, ["accounts", "requests"])
        assert scalar(urls["requests"], "SELECT label FROM kept") == "conservé"
    finally:
        embedded.stop()
    assert not answers("127.0.0.1", port)
