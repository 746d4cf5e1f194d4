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


MAX_FAMILIES = 10
"""More families than anyone is linked to (two parents' households at most in practice)."""


class Caller(Schema):
    """Who is asking. An anonymous citizen has no account, no roles and no family."""

    class Meta:
        unknown = EXCLUDE

    account_id = fields.String(load_default=None, allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), load_default=list)
    family_id = fields.String(load_default=None, allow_none=True)
    family_ids = fields.List(
        fields.String(validate=validate.Regexp(r"^[0-9]{3,5}$")),
        load_default=list,
        validate=validate.Length(max=MAX_FAMILIES),
    )
    """The families the account is linked to, as the family service told the gateway.

    Absent from callers signed before it existed: it loads as no family, and the family
    service then refuses every family RPC of a citizen (``docs/design.md``)."""


ANONYMOUS: dict = {"account_id": None, "roles": [], "family_id": None}
