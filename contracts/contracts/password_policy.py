"""The portal's password policy, shared by the accounts service (which enforces it) and the
gateway (which shows its messages beside the form's other errors, in one answer).

After CNIL deliberation no. 2022-100 of 21 July 2022 (recommendation on passwords), for a
password that is the only authentication factor: its estimated entropy must reach 80 bits.
The estimate is ``length × log2(alphabet)``, where the alphabet is the sum of the sizes of the
character classes the password uses: 26 lowercase, 26 uppercase, 10 digits, 33 others (the
rest of printable ASCII, space included; accented letters count as others). With all four
classes (95 characters) that means 13 characters; with letters and digits (62), 14
characters, as in CNIL's second example; a passphrase of lowercase words and spaces (59), 14
characters. A password that contains the local part of the account's e-mail address is
refused as well, since it is the first thing an attacker tries.
"""

from __future__ import annotations

import math
import string

MIN_ENTROPY_BITS = 80
CLASSES = (
    ("minuscules", frozenset(string.ascii_lowercase), 26),
    ("majuscules", frozenset(string.ascii_uppercase), 26),
    ("chiffres", frozenset(string.digits), 10),
)
OTHERS = ("caractères spéciaux", 33)
MIN_EMAIL_PART = 3
"""Local parts shorter than this (``a@...``) are too common to forbid."""

RULE = (
    "Au moins {length} caractères mêlant majuscules, minuscules, chiffres et caractères "
    "spéciaux, ou une phrase de passe plus longue."
)
CONTAINS_EMAIL = "Le mot de passe ne doit pas contenir votre adresse e-mail."


def classes_used(password: str) -> list[tuple[str, int]]:
    """(French name, size) of each character class present in ``password``."""
    used = [(name, size) for name, chars, size in CLASSES if any(c in chars for c in password)]
    known = frozenset().union(*(chars for _, chars, _ in CLASSES))
    if any(c not in known for c in password):
        used.append(OTHERS)
    return used


def entropy_bits(password: str) -> float:
    """CNIL's estimate: length times log2 of the alphabet the used classes make up."""
    alphabet = sum(size for _, size in classes_used(password))
    return len(password) * math.log2(alphabet) if alphabet else 0.0


def min_length(alphabet: int) -> int:
    """The shortest password reaching the entropy target with an alphabet of that size."""
    return math.ceil(MIN_ENTROPY_BITS / math.log2(alphabet))


def policy_errors(password: str, email: str = "") -> list[str]:
    """French messages saying what the password lacks; empty when it is acceptable."""
    errors = []
    if entropy_bits(password) < MIN_ENTROPY_BITS:
        errors.append(RULE.format(length=min_length(95)))
        used = classes_used(password)
        if used:
            errors.append(_what_is_missing(used))
    local_part = email.partition("@")[0].casefold()
    if len(local_part) >= MIN_EMAIL_PART and local_part in password.casefold():
        errors.append(CONTAINS_EMAIL)
    return errors


def _what_is_missing(used: list[tuple[str, int]]) -> str:
    """How long a password of these classes must be, and which classes would shorten it."""
    names = [name for name, _ in used]
    missing = [name for name in (*(c[0] for c in CLASSES), OTHERS[0]) if name not in names]
    needed = min_length(sum(size for _, size in used))
    advice = ""
    if missing:
        wanted = [f"des {name}" for name in missing]
        listed = wanted[0] if len(wanted) == 1 else f"{', '.join(wanted[:-1])} ou {wanted[-1]}"
        advice = f", ou mêlez-y aussi {listed}"
    return (
        f"Avec ces caractères ({', '.join(names)}), il en faut au moins {needed} : "
        f"ajoutez des caractères{advice}."
    )
