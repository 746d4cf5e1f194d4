"""The families a session may act on: the ``family_ids`` claim of the signed caller.

The family service refuses every family RPC of a citizen whose signed caller does not carry
the family (``contracts.identity.Caller.family_ids``), and still checks its own link table.
The gateway learns the account's families from the family service with
``list_linked_families`` and keeps them in the Flask session (signed with the gateway's secret
key, emptied at every login), with the account they belong to:

- on the first family page after a login (nothing kept yet, or kept for another account);
- after an activation, which links a new family;
- on a family switch to a family not kept yet (linked from another browser meanwhile).

Every family page builds its caller with :func:`caller`; agents act as agents (their role,
not a claim, lets them see families), so their caller is left as it is.
"""

from __future__ import annotations

from typing import Any

from flask import session as flask_session

from contracts import family
from contracts.identity import MAX_FAMILIES
from gateway import sessions
from gateway.views import rpc

KEY = "linked_families"


def caller(family_id: str | None = None) -> dict[str, Any]:
    """The session's caller with ``family_ids``; asks the family service again when nothing
    is kept for this account, or when ``family_id`` is not among the families kept."""
    base = sessions.current_caller()
    if base["account_id"] is None or sessions.is_agent():
        return base
    kept = flask_session.get(KEY)
    if (
        not isinstance(kept, dict)
        or kept.get("account_id") != base["account_id"]
        or (family_id is not None and str(family_id) not in kept.get("family_ids", ()))
    ):
        return linked(base)[0]
    return {**base, "family_ids": list(kept["family_ids"])}


def linked(base: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict]]:
    """The caller with its claim renewed, and the families (``contracts.family.LinkedFamily``)
    the family service says the account is linked to."""
    base = dict(base or sessions.current_caller())
    base.pop("family_ids", None)
    families = rpc().call(family.SERVICE, "list_linked_families", base)
    if base["account_id"] is None:
        return base, families
    ids = [found["family_id"] for found in families][:MAX_FAMILIES]
    flask_session[KEY] = {"account_id": base["account_id"], "family_ids": ids}
    return {**base, "family_ids": ids}, families
