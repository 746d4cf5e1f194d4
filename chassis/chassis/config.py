"""Settings read from the environment, once, at start.

Development gets working defaults (SQLite files under ``var/``, a local broker); production
(``PORTAL_ENV=production``) refuses to start when a required setting is missing, so a
deployment never runs on a development default by accident.

    >>> database_url("requests")   # REQUESTS_DATABASE_URL, or sqlite:///var/requests.sqlite
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


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
    """``<SERVICE>_DATABASE_URL``, or a SQLite file under ``var/`` for a local run."""
    default = f"sqlite:///{Path('var').resolve() / f'{service}.sqlite'}"
    return setting(f"{service.upper()}_DATABASE_URL", default, required_in_production=True)


def amqp_uri() -> str:
    return setting("AMQP_URI", DEFAULT_AMQP_URI)


def caller_verify_key() -> str:
    """``CALLER_VERIFY_KEY``: the gateway's public key(s); a service cannot run without it."""
    value = setting("CALLER_VERIFY_KEY")
    if not value:
        raise MissingSetting(
            "CALLER_VERIFY_KEY must be set: the public key that verifies the callers the "
            "gateway signs (make run generates a pair under var/; see docs/deploy.md)"
        )
    return value
