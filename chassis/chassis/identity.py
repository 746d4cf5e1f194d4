"""The caller's identity, as every RPC receives it, and the checks services make on it.

The gateway authenticates; each service still authorizes::

    caller = identity.load(caller)
    identity.require_role(caller, requests.AGENT_ROLES)
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.base import load_or_invalid
from contracts.errors import Forbidden
from contracts.identity import Caller

_CALLER = Caller()

FORBIDDEN_MESSAGE = "Vous n'avez pas accès à cette fonction."


def load(caller: object) -> dict:
    """The validated identity; ``None`` or a malformed value is refused, never guessed."""
    if not isinstance(caller, dict):
        raise Forbidden(FORBIDDEN_MESSAGE)
    return load_or_invalid(_CALLER, caller, "Identité de l'appelant invalide.")


def has_role(caller: dict, roles: Iterable[str]) -> bool:
    return bool(set(caller.get("roles") or ()) & set(roles))


def require_role(caller: object, roles: Iterable[str]) -> dict:
    """The identity, if it holds one of ``roles``; Forbidden otherwise (also when anonymous)."""
    loaded = load(caller)
    if not has_role(loaded, roles):
        raise Forbidden(FORBIDDEN_MESSAGE)
    return loaded
