"""Password hashing (argon2id) and the strength policy of the portal.

Hashes are argon2id with argon2-cffi's default parameters (RFC 9106 "low memory" profile,
above OWASP's minimum of 19 MiB, t=2, p=1). When the defaults change, ``needs_rehash`` tells
the login to store a new hash while the plaintext is at hand.

The strength policy itself is :mod:`contracts.password_policy`: the gateway shows its
messages with the form's other errors, this service enforces it.
"""

from __future__ import annotations

import string
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chassis.offload import BoundedWork

HASHING = BoundedWork("ARGON2_CONCURRENCY", default=2)
"""argon2 work runs off the hub, two at a time by default: each hash holds 64 MiB (argon2-cffi's
default ``memory_cost``), so twenty simultaneous registrations must not hold 20 × 64 MiB."""


class Passwords:
    """Hash and verify with one ``PasswordHasher`` (argon2id, defaults unless told otherwise)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return HASHING.run(self.hasher.hash, password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, the same work is done for nothing.

        The dummy verification keeps an unknown account (or one without a password) as slow
        to refuse as a known one, so timing does not reveal which e-mails have accounts.
        """
        try:
            matches = HASHING.run(self.hasher.verify, password_hash or _dummy_hash(), password)
            return matches and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        return self.hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return PasswordHasher().hash(string.ascii_letters)


hasher = Passwords()
"""The portal's hasher: argon2-cffi's defaults."""
