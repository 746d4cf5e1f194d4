"""The caller's identity, passed as the first argument of every RPC."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

ROLES = (
    "agent_espace_public",
    "agent_etat_civil",
    "agent_simplicite",
    "agent_vie_pratique",
    "agent_regie",
    "admin",
)


class Caller(Schema):
    """Who is asking. An anonymous citizen has no account, no roles and no family."""

    class Meta:
        unknown = EXCLUDE

    account_id = fields.String(load_default=None, allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)
    family_id = fields.String(load_default=None, allow_none=True)


ANONYMOUS: dict = {"account_id": None, "roles": [], "family_id": None}
