"""Contracts of the ``family`` service: the Espace famille (SimpliCité) and its Dossier Unique.

RPC (service ``family``), each taking ``caller`` (contracts.identity.Caller) first:

- ``activate_family(caller, payload: ActivateFamily)`` -> ``LinkedFamily``: a logged-in citizen
  links their account to a family by its identifier, family name and the first name of one of
  its responsible adults; one generic ``Invalid`` whatever was wrong, ``TooManyRequests``
  during a lockout (per account and per family)
- ``list_linked_families(caller)`` -> list of ``LinkedFamily`` (the caller's own account)
- ``get_family(caller, family_id)`` -> ``Family`` (the Dossier Unique): to an account linked to
  that family, or to an agent (``agent_simplicite``). Anyone else gets ``NotFound``, whether
  the family exists or not. Health information is in it for those two only; every agent read
  of it is recorded.

Consumes ``accounts.account_closed``: the closed account's links to families are removed.

Events (exchange ``family.events``): ``family_space_activated``.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts import fields_fr as fr
from contracts.base import Event

SERVICE = "family"

FAMILY_SPACE_ACTIVATED = "family_space_activated"

AGENT_ROLES = ("agent_simplicite",)
"""Roles that see every family, health information included (each such read is recorded)."""

FAMILY_IDENTIFIER = r"^\d{3,5}$"
"""A family identifier: 3 to 5 digits, the second element of every invoice's reference line."""

RELATIONSHIPS = {
    "mere": "Mère",
    "pere": "Père",
    "tuteur": "Tuteur ou tutrice",
    "autre": "Autre responsable légal",
}


class ActivateFamily(Schema):
    """What a citizen types in "Mon compte famille"."""

    class Meta:
        unknown = EXCLUDE

    family_id = fr.TrimmedString(
        required=True,
        validate=validate.Regexp(FAMILY_IDENTIFIER, error="De 3 à 5 chiffres."),
        error_messages=fr.MESSAGES,
    )
    family_name = fr.text(max_length=100)
    adult_first_name = fr.text(max_length=100)


class LinkedFamily(Schema):
    """A family an account is linked to: what the family switcher shows."""

    family_id = fields.String(required=True)
    name = fields.String(required=True)


class Adult(Schema):
    """A responsible adult of the family (one or two)."""

    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    relationship = fields.String(required=True, validate=validate.OneOf(list(RELATIONSHIPS)))
    relationship_label = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True)


class HealthInfo(Schema):
    """Restricted: shown only to the family's linked accounts and to SimpliCité agents."""

    allergies = fields.String(required=True)
    pai = fields.Boolean(required=True, metadata={"description": "projet d'accueil individualisé"})
    doctor = fields.String(required=True)


class Child(Schema):
    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    school = fields.String(allow_none=True, load_default=None)
    class_name = fields.String(allow_none=True, load_default=None)
    health = fields.Nested(HealthInfo, allow_none=True, load_default=None)


class Family(Schema):
    """The Dossier Unique: what the family and SimpliCité agents see of it."""

    family_id = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    adults = fields.List(fields.Nested(Adult), required=True)
    children = fields.List(fields.Nested(Child), required=True)


class FamilySpaceActivated(Event):
    """An account was linked to a family (both parents may link, and a parent two families)."""

    family_id = fields.String(required=True)
    account_id = fields.String(required=True)
