"""The PostgreSQL of the local run: the server answering at ``LOCAL_POSTGRES_URL`` (by default
``localhost:5432``), otherwise an embedded one started at that address.

    server_url, embedded = local_postgres(Path("var/postgres"))
    urls = ensure_databases(server_url, ["accounts", "requests", "notifications"])
    ...
    if embedded:
        embedded.stop()

The embedded server runs the PostgreSQL 16 binaries shipped in the ``pgserver`` wheel: no
system package, no root. Its data directory (``var/postgres``) is created on the first run and
reused afterwards; it listens on TCP only (no Unix socket) and trusts local connections, as a
development server does. PostgreSQL refuses to run as root: when the local run is started by
root, the server runs as the system user ``pgserver`` (created if missing, as pgserver itself
does). ``pg_ctl`` puts the server in a session of its own, so the terminal's Ctrl+C reaches the
portal's processes first and the server is stopped last, by :meth:`EmbeddedPostgres.stop`.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from chassis import config
from devstack.processes import answers

SYSTEM_USER = "pgserver"
START_SECONDS = 60
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class PostgresUnavailable(RuntimeError):
    """The local run has no PostgreSQL it can use; the message says what to do."""


class EmbeddedPostgres:
    """A PostgreSQL server from the ``pgserver`` wheel, with its data in ``datadir``."""

    def __init__(self, datadir: Path, host: str = "localhost", port: int = 5432) -> None:
        self.datadir = datadir.resolve()
        self.host = host
        self.port = port
        self.log_path = self.datadir / "server.log"
        self._user = SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@{self.host}:{self.port}/{database}"

    def start(self) -> None:
        """Initialise the data directory if it is new, then start the server and wait for it."""
        pgserver = _pgserver()
        self.datadir.mkdir(parents=True, exist_ok=True)
        self._give_to_system_user()
        if not (self.datadir / "PG_VERSION").exists():
            pgserver.initdb(
                ["--auth=trust", "--encoding=UTF8", "--no-locale", "-U", "postgres"],
                pgdata=self.datadir,
                user=self._user,
            )
            with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# Local run of the portal: TCP only (address and port on start).\n")
                conf.write("unix_socket_directories = ''\n")
        if self.running:  # left over by a run that was killed: restart it at our address
            self.stop()
        options = f"-h {self.host} -p {self.port}"
        pgserver.pg_ctl(
            ["-w", "-t", str(START_SECONDS), "-l", str(self.log_path), "-o", options, "start"],
            pgdata=self.datadir,
            user=self._user,
        )

    @property
    def running(self) -> bool:
        """``pg_ctl status``: whether a server runs on this data directory."""
        pg_ctl = str(_binaries() / "pg_ctl")
        status = subprocess.run(
            [pg_ctl, "-D", str(self.datadir), "status"], user=self._user, capture_output=True
        )
        return status.returncode == 0

    def stop(self) -> None:
        """Fast shutdown: open sessions are rolled back, the data is written cleanly."""
        pgserver = _pgserver()
        if (self.datadir / "postmaster.pid").exists():
            pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.datadir, user=self._user)

    def _give_to_system_user(self) -> None:
        """As root: the server's user owns the data and can reach it and the binaries (the
        same steps as ``pgserver.PostgresServer``)."""
        if self._user is None:
            return
        from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists(self._user)
        ensure_prefix_permissions(self.datadir)
        ensure_prefix_permissions(_binaries())
        if self.datadir.stat().st_uid != entry.pw_uid:
            os.chown(self.datadir, entry.pw_uid, entry.pw_gid)
            self.datadir.chmod(0o700)


def _pgserver():
    """The ``pgserver`` package; imported on use (it looks up a runtime folder on import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR is not set
        import pgserver
    return pgserver


def _binaries() -> Path:
    """The folder of the PostgreSQL programs shipped in the ``pgserver`` wheel."""
    return Path(_pgserver().__file__).parent / "pginstall" / "bin"


def local_postgres(
    datadir: Path, server_url: str | None = None
) -> tuple[str, EmbeddedPostgres | None]:
    """The server URL of the local run and the embedded server started for it, if any."""
    url = make_url(server_url or config.local_postgres_url())
    host, port = url.host or "localhost", url.port or 5432
    if answers(host, port):
        return url.render_as_string(hide_password=False), None
    if host not in LOCAL_HOSTS:
        raise PostgresUnavailable(
            f"PostgreSQL ne répond pas sur {host}:{port} (LOCAL_POSTGRES_URL) / does not answer"
        )
    embedded = EmbeddedPostgres(datadir, host, port)
    embedded.start()
    return embedded.url(url.database or "postgres"), embedded


def ensure_databases(server_url: str, services: list[str]) -> dict[str, str]:
    """``portail_<service>`` for each service, created when missing; their URLs by service."""
    urls = {service: config.local_database_url(service, server_url) for service in services}
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            existing = set(connection.scalars(text("SELECT datname FROM pg_database")))
            for url in urls.values():
                name = make_url(url).database
                if name not in existing:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        raise PostgresUnavailable(
            f"PostgreSQL répond mais refuse la connexion / answers but refuses to connect "
            f"({make_url(server_url).render_as_string()}): {error.orig}\n"
            "  Donnez ses identifiants dans LOCAL_POSTGRES_URL, ou une adresse libre "
            "(ex. postgresql://postgres@localhost:5433/postgres) pour le serveur embarqué / "
            "give its credentials in LOCAL_POSTGRES_URL, or a free address for the embedded server."
        ) from None
    finally:
        admin.dispose()
    return urls
