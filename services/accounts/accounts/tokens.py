"""Secret tokens of e-mail links and sessions: random, stored as a SHA-256 hash only.

A token is 32 random bytes (43 URL-safe characters). Only its hash reaches the database, so a
leaked table gives no usable link or session; the plaintext travels once, in the event that
makes the e-mail (links) or in the answer that sets the cookie (sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
CHANGE_EMAIL = "change_email"
PURPOSES = (VERIFY_EMAIL, RESET_PASSWORD, CHANGE_EMAIL)

VERIFICATION_LIFETIME = timedelta(hours=24)
"""An e-mail confirmation link (new account or new address) works for a day."""
RESET_LIFETIME = timedelta(hours=1)
"""A forgotten-password link works for an hour: it opens the account."""
INVITATION_LIFETIME = timedelta(hours=72)
"""An agent's invitation (a reset link on an account without password) works for three days."""


def new_token() -> str:
    """A fresh secret for a link or a session."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of ``token`` (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_usable(row: Any, now: datetime) -> bool:
    """A link token that exists, was never used and has not expired."""
    return row is not None and row.used_at is None and now < row.expires_at
