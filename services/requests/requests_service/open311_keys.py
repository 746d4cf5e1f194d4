"""Open311 partner keys and the reports partners send with them. Free of nameko.

A key is a random token (``secrets.token_urlsafe``, 256 bits) given once to the administrator
who issues it; only its SHA-256 is stored (a token this long needs no slow hash: nobody can
guess it, and the hash is enough to keep a stolen database from opening the door). A
presented token is hashed, its row found by that hash, and the hashes compared again in
constant time. A revoked or unknown key is refused the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.throttle import Limit
from contracts.errors import Conflict, Forbidden, NotFound
from contracts.open311 import REQUESTS_PER_KEY_PER_HOUR
from contracts.requests import EXPECTED_DAYS
from requests_service.open311_models import Open311Key

HINT_LENGTH = 6
PER_KEY = Limit(REQUESTS_PER_KEY_PER_HOUR, timedelta(hours=1), timedelta(hours=1))
KEY_REFUSED = "Clé d'API (api_key) absente, inconnue ou révoquée."
TOO_MANY = (
    f"Plus de {REQUESTS_PER_KEY_PER_HOUR} demandes en une heure avec cette clé : "
    "réessayez plus tard."
)
UNKNOWN_KEY = "Cette clé n'existe pas."
ALREADY_REVOKED = "Cette clé est déjà révoquée."


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, name: str, created_by: str | None, now: datetime) -> tuple[Any, str]:
    """A new key row and its token (to be shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    key = Open311Key(
        name=name,
        token_sha256=digest(token),
        token_hint=token[:HINT_LENGTH],
        created_at=now,
        created_by=created_by,
    )
    session.add(key)
    session.flush()
    return key, token


def find_valid(session: Session, token: Any) -> Any:
    """The live key behind ``token``, locked for this transaction; Forbidden otherwise."""
    presented = digest(token) if isinstance(token, str) and token else ""
    query = select(Open311Key).where(Open311Key.token_sha256 == presented).with_for_update()
    key = session.scalars(query).one_or_none() if presented else None
    expected = key.token_sha256 if key is not None else digest(secrets.token_urlsafe(32))
    if not hmac.compare_digest(expected, presented) or key is None or key.revoked_at:
        raise Forbidden(KEY_REFUSED)
    return key


def throttle_key(key: Any) -> str:
    return f"open311-key:{key.id}"


def listed(session: Session) -> list[Any]:
    query = select(Open311Key).order_by(Open311Key.created_at.desc(), Open311Key.id.desc())
    return list(session.scalars(query))


def revoke(session: Session, key_id: Any, now: datetime) -> Any:
    valid = isinstance(key_id, int) and not isinstance(key_id, bool)
    key = session.get(Open311Key, key_id, with_for_update=True) if valid else None
    if key is None:
        raise NotFound(UNKNOWN_KEY)
    if key.revoked_at is not None:
        raise Conflict(ALREADY_REVOKED)
    key.revoked_at = now
    return key


def key_view(key: Any) -> dict:
    return {
        "id": key.id,
        "name": key.name,
        "token_hint": key.token_hint,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


def report_fields(data: dict) -> dict:
    """A report's fields from a GeoReport v2 submission (``Open311Submission``); names, phone
    and ``media_url`` are left out: the portal keeps no more about a citizen than its own
    form asks, and fetches no file from an address a caller chose."""
    lat, lon = data["lat"], data["long"]
    address = data.get("address_string")
    if not address:
        address = f"Position GPS : {lat:.5f} ; {lon:.5f}".replace(".", ",")
    return {
        "category": data["service_code"],
        "address": address,
        "latitude": lat,
        "longitude": lon,
        "description": data["description"],
        "email": data["email"],
    }


def created_view(report: Any) -> dict:
    return {
        "tracking_number": report.tracking_number,
        "expected_days": EXPECTED_DAYS[report.category],
    }
