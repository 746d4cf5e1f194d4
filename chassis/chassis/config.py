"""Settings read from the environment, once, at start.

Development gets the defaults of the local run (``make run``: the PostgreSQL at
``LOCAL_POSTGRES_URL``, by default ``localhost:5432``, one ``portail_<service>`` database per
service, a local broker); production (``PORTAL_ENV=production``) refuses to start when a
required setting is missing, so a deployment never runs on a development default by accident.

    >>> database_url("requests")   # REQUESTS_DATABASE_URL, or .../localhost:5432/portail_requests
"""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
# The PostgreSQL server of the local run (``LOCAL_POSTGRES_URL``), and the prefix of its
# databases (one per service).
DEFAULT_LOCAL_POSTGRES_URL = "postgresql+psycopg2://postgres@localhost:5432/postgres"
LOCAL_DATABASE_PREFIX = "portail_"


class MissingSetting(RuntimeError):
    """A required setting is absent: the process must not start."""


def is_production() -> bool:
    return os.environ.get("PORTAL_ENV", "development").strip().lower() == "production"


def setting(
    name: str, default: str | None = None, *, required_in_production: bool = False
) -> str | None:
    """The value of ``name``; ``default`` in development; fail fast when required and missing."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required_in_production and is_production():
        raise MissingSetting(f"{name} must be set when PORTAL_ENV=production")
    return default


def database_url(service: str) -> str:
    """``<SERVICE>_DATABASE_URL``, or the service's database of the local run."""
    return setting(
        f"{service.upper()}_DATABASE_URL",
        local_database_url(service),
        required_in_production=True,
    )


def local_postgres_url() -> str:
    """The PostgreSQL server of the local run: the one answering there, else the embedded one
    that ``make run`` starts at that address."""
    return setting("LOCAL_POSTGRES_URL", DEFAULT_LOCAL_POSTGRES_URL)


def local_database_url(service: str, server_url: str | None = None) -> str:
    """The database ``portail_<service>`` on the local run's PostgreSQL server."""
    url = make_url(server_url or local_postgres_url())
    name = LOCAL_DATABASE_PREFIX + service.replace("-", "_")
    return url.set(database=name).render_as_string(hide_password=False)


def amqp_uri() -> str:
    return setting("AMQP_URI", DEFAULT_AMQP_URI)
