"""pytest plugin: real PostgreSQL databases and RabbitMQ vhosts, made and removed by the tests.

    pytest -p chassis.testing.eventlet_patch -p chassis.testing.fixtures

- ``amqp_uri``: a fresh RabbitMQ vhost for the test session, deleted afterwards;
- ``postgres_database(service, alembic_ini)``: URL of a fresh database migrated to head,
  dropped at the end of the session;
- ``engine``: a SQLAlchemy engine on the test's ``database_url``, a fixture the service's
  conftest defines (usually from ``postgres_database``);
- ``service_container(cls, config)``: a nameko container started for one test, stopped in
  milliseconds (its consumer loop polls every ``CONSUMER_POLL_SECONDS``; the config
  and the other service helpers are in ``chassis.testing.services``);
- ``module_service_container``: the same for a whole test module, and ``MigratedDatabase``:
  a database migrated once per module and put back as just migrated before each test, so
  a module starts its service once (the requests, family and accounts tiers do;
  notifications keeps one per test: its tests start and stop their SMTP server, and the
  mailer remembers an unreachable relay for 30 s);
- ``free_port()``, ``wait_until(condition)`` and ``assert_models_match_migrations(...)`` as
  plain helpers.

The servers are the ones on localhost (``TEST_POSTGRES_URL``, ``TEST_AMQP_HOST``), as on a
developer machine and in CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1:5672")


def wait_until(condition, timeout: float = 20, message: str = "condition"):
    """Poll ``condition`` until it returns something true, and return that; the effects of
    events arrive asynchronously, so tests wait for them with a deadline, never a sleep."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(0.1)
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def create_vhost(prefix: str = "test") -> tuple[str, str]:
    """A new vhost usable by guest; returns (name, amqp uri)."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    return name, f"amqp://guest:guest@{AMQP_HOST}/{name}"


def delete_vhost(name: str) -> None:
    _rabbitmqctl("delete_vhost", name)


def create_database(prefix: str) -> str:
    """An empty PostgreSQL database; returns its URL."""
    name = f"t_{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def alembic_config(alembic_ini: str | Path, url: str):
    from alembic.config import Config

    cfg = Config(str(alembic_ini))
    cfg.set_main_option("script_location", str(Path(alembic_ini).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(alembic_ini: str | Path, url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(alembic_ini, url), "head")


def assert_models_match_migrations(alembic_ini: str | Path, metadata: MetaData, url: str) -> None:
    """Fail with the differences when autogenerate would produce a new migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    migrate(alembic_ini, url)
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"


def assert_simultaneous_migrations_succeed(
    alembic_ini: str | Path, service: str, url: str, runs: int = 3
) -> None:
    """Run ``alembic upgrade head`` ``runs`` times at once, as pods starting together do."""
    env = {**os.environ, f"{service.upper()}_DATABASE_URL": url}
    alembic = str(Path(sys.executable).with_name("alembic"))
    command = [alembic, "-c", "alembic.ini", "upgrade", "head"]
    cwd = Path(alembic_ini).parent
    started = [
        subprocess.Popen(command, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(runs)
    ]
    errors = [run.communicate(timeout=120)[1] for run in started]
    assert [run.returncode for run in started] == [0] * runs, errors


class MigratedDatabase:
    """A database migrated once, put back as it was just after its migrations before each test.

    Tests of a module share one database and one started service; ``reset`` empties every
    table (``TRUNCATE … RESTART IDENTITY``), then puts back the rows the migrations wrote
    (reference data) and the sequences' positions, in one transaction: a test sees what a
    freshly migrated database holds, for a few milliseconds instead of a migration.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, poolclass=NullPool)
        with self.engine.connect() as connection:
            self.tables = (
                connection.execute(
                    text(
                        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            self.sequences = connection.execute(
                text(
                    "SELECT quote_ident(sequencename), last_value FROM pg_sequences "
                    "WHERE schemaname = 'public'"
                )
            ).all()
            seeds = {
                table: connection.execute(
                    text(f"SELECT json_agg(t)::text FROM {table} AS t")
                ).scalar_one()
                for table in self.tables
            }
        self.seeds = {table: rows for table, rows in seeds.items() if rows}

    def reset(self) -> None:
        if not self.tables:
            return
        with self.engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            connection.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))
            for table, rows in self.seeds.items():
                connection.execute(
                    text(
                        f"INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, :rows)"
                    ),
                    {"rows": rows},
                )
            for sequence, last_value in self.sequences:
                if last_value is not None:
                    connection.execute(
                        text("SELECT setval(:s, :v)"), {"s": sequence, "v": last_value}
                    )


@pytest.fixture(scope="session")
def amqp_uri() -> Iterator[str]:
    name, uri = create_vhost()
    yield uri
    delete_vhost(name)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str, str | Path], str]]:
    made: list[str] = []

    def make(service: str, alembic_ini: str | Path | None = None) -> str:
        url = create_database(service)
        made.append(url)
        if alembic_ini is not None:
            migrate(alembic_ini, url)
        return url

    yield make
    for url in made:
        drop_database(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on ``database_url`` for the test to look at the service's tables; the fixture
    ``database_url`` is the service's own, so each conftest says which database it tests."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


CONSUMER_POLL_SECONDS = 0.05
"""How often a test container's consumer loop wakes up when no message comes (kombu's
``ConsumerMixin.consume`` waits 1 s by default). Stopping a container waits for that loop
twice (its consumers are cancelled from inside the loop, then the loop ends), so a test
container took 2 s to stop; a running service keeps kombu's default."""


def _poll_consumers_often() -> None:
    from kombu.mixins import ConsumerMixin
    from nameko.messaging import QueueConsumer

    def consume(self, *args, safety_interval=CONSUMER_POLL_SECONDS, **kwargs):
        return ConsumerMixin.consume(self, *args, safety_interval=safety_interval, **kwargs)

    QueueConsumer.consume = consume


@pytest.fixture(scope="module")
def module_service_container() -> Iterator[Callable[..., object]]:
    """``service_container`` for a whole test module: started once, stopped after its last
    test."""
    yield from _containers()


@pytest.fixture
def service_container() -> Iterator[Callable[..., object]]:
    """Start nameko containers in the test process; stopped when the test ends.

    nameko's own ``container_factory`` needs the RabbitMQ management API; this one only needs
    the broker the ``config`` points at::

        container = service_container(RequestsService, {"AMQP_URI": amqp_uri, ...})
    """
    yield from _containers()


def _containers() -> Iterator[Callable[..., object]]:
    from nameko.containers import ServiceContainer

    from contracts.publishing import use_kept_publishers

    use_kept_publishers()  # as chassis.run does for the running services
    _poll_consumers_often()
    started: list[ServiceContainer] = []

    def start(service_cls: type, config: dict) -> ServiceContainer:
        container = ServiceContainer(service_cls, config)
        container.start()
        started.append(container)
        return container

    yield start
    for container in reversed(started):
        container.stop()
