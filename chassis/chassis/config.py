"""Settings read from the environment, once, at start.

Development gets the defaults of the local run (``make run``: the PostgreSQL at
``LOCAL_POSTGRES_URL``, by default ``localhost:5432``, one ``portail_<service>`` database per
service, a local broker); production (``PORTAL_ENV=production``) refuses to start when a
required setting is missing, so a deployment never runs on a development default by accident.
Any other ``PORTAL_ENV`` (a typo such as ``prod``) is refused wherever a setting is read, and a
service checks it, with ``AMQP_URI``, before it starts (:func:`check_service`, run by
``python -m chassis.run``).

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
ENVIRONMENTS = ("development", "production")


class SettingError(RuntimeError):
    """A setting is missing or malformed: the process must not start."""


class MissingSetting(SettingError):
    """A required setting is absent: the process must not start."""


def environment() -> str:
    """``PORTAL_ENV``: ``development`` when unset; an unknown value is refused."""
    value = os.environ.get("PORTAL_ENV", "").strip() or "development"
    if value not in ENVIRONMENTS:
        raise SettingError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
    return value


def is_production() -> bool:
    return environment() == "production"


def check_service() -> None:
    """What every service needs before it starts: a known ``PORTAL_ENV``, and in production
    the broker's address (``config.yml``'s development default must not be used there)."""
    environment()
    amqp_uri()


def setting(
    name: str, default: str | None = None, *, required_in_production: bool = False
) -> str | None:
    """The value of ``name``; ``default`` in development; fail fast when required and missing."""
    production = is_production()  # refuses an unknown PORTAL_ENV, whatever is read
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required_in_production and production:
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
    return setting("AMQP_URI", DEFAULT_AMQP_URI, required_in_production=True)


def caller_verify_key() -> str:
    """``CALLER_VERIFY_KEY``: the gateway's public key(s); a service cannot run without it."""
    value = setting("CALLER_VERIFY_KEY")
    if not value:
        raise MissingSetting(
            "CALLER_VERIFY_KEY must be set: the public key that verifies the callers the "
            "gateway signs (make run generates a pair under var/; see docs/deploy.md)"
        )
    return value
