"""Where a ``suite`` parameter may send a visitor: a path of this site, nothing else.

Every redirect whose target comes from the request (``?suite=`` after a login) goes through
:func:`safe_target`. The target is judged the way a browser would read it: browsers drop
control characters (tab, newline...) from a URL and treat ``\\`` like ``/``, so
``/<tab>/evil.example`` and ``/\\evil.example`` both lead off site. A target is kept only
when, once its control characters are stripped, it has no scheme and no host, starts with
exactly one ``/``, holds no backslash, and stays so once percent-decoded.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000
_DECODE_ROUNDS = 3


def safe_target(target: object, default: str) -> str:
    """``target`` without its control characters when it is a path of this site, else ``default``."""
    if not isinstance(target, str) or len(target) > MAX_LENGTH:
        return default
    cleaned = strip_controls(target).strip()
    decoded = cleaned
    for _ in range(_DECODE_ROUNDS):
        if not is_local_path(decoded):
            return default
        decoded = strip_controls(unquote(decoded)).strip()
    return cleaned if is_local_path(decoded) else default


def strip_controls(text: str) -> str:
    """``text`` without control or format characters (what browsers drop from a URL)."""
    return "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))


def is_local_path(target: str) -> bool:
    """An absolute path of this site: no scheme, no host, one leading ``/``, no backslash."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")
