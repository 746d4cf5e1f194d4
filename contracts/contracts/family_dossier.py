"""Contracts of the Dossier Unique of the ``family`` service: updates, validation, agents' tools.

RPC (service ``family``), each taking ``caller`` (contracts.identity.Caller) first:

- ``get_dossier(caller, family_id)`` -> ``Dossier``: the whole Dossier Unique with the changes
  waiting for an agent; to a linked account or an agent, ``NotFound`` to anyone else (as
  ``get_family``); an agent's read is recorded (health information is in it)
- ``update_dossier(caller, family_id, payload: UpdateDossier)`` -> ``UpdateOutcome``: the
  sections given are applied at once, except adults (custody included) and the quotient
  familial, which wait for an agent when a family sends them; an agent's update applies all
- ``list_dossier_history(caller, family_id)`` -> list of ``DossierChangeView``, newest first
- ``get_quotient_certificate(caller, change_id)`` -> ``Certificate`` (agents)
- ``list_pending_changes(caller)`` -> list of ``DossierChangeView`` (agents), oldest first
- ``decide_change(caller, change_id, payload: DecideChange)`` -> ``DossierChangeView`` (agents)
- ``search_families(caller, query)`` -> list of ``FamilySummary`` (agents): by identifier,
  family name, an adult's or a child's name, accents and case ignored
- ``create_family(caller, payload: CreateFamily)`` -> ``FamilySummary`` (agents)
- ``erase_family(caller, family_id)`` -> ``{}`` (agents): the family and everything about it
  and its children (health, contacts, history, certificates, links) are deleted

Events (exchange ``family.events``): ``dossier_changed`` (a family or an agent changed the
Dossier Unique), ``dossier_change_decided`` (an agent validated or refused a family's
proposal), ``quotient_changed`` (a quotient familial was validated, or a family created with
one; billing prices from it).
"""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from contracts import family
from contracts import fields_fr as fr
from contracts.base import Event

SERVICE = "family"

DOSSIER_CHANGED = "dossier_changed"
DOSSIER_CHANGE_DECIDED = "dossier_change_decided"
QUOTIENT_CHANGED = "quotient_changed"

CUSTODY = {
    "exercee": "Garde exercée",
    "alternee": "Garde alternée",
    "droit_de_visite": "Droit de visite et d'hébergement",
    "sans": "Sans garde",
}
CONTACT_KINDS = {
    "pickup": "Personnes autorisées à venir chercher les enfants",
    "emergency": "Personnes à prévenir en cas d'urgence",
}
SECTIONS = {
    "address": "Adresse",
    "adults": "Responsables et garde",
    "children": "Scolarité des enfants",
    "health": "Santé des enfants",
    "pickup": CONTACT_KINDS["pickup"],
    "emergency": CONTACT_KINDS["emergency"],
    "consents": "Autorisations",
    "quotient": "Quotient familial",
    "birth": "Naissance d'un enfant",
}
VALIDATED_SECTIONS = ("adults", "quotient")
"""Sections a family's change of which waits for a SimpliCité agent."""
STATUSES = {
    "appliquee": "Appliquée",
    "en_attente": "En attente de validation",
    "validee": "Validée",
    "refusee": "Refusée",
    "remplacee": "Remplacée par une demande plus récente",
}
DECISIONS = ("validee", "refusee")
CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
CERTIFICATE_TYPES = ("application/pdf", "image/jpeg")
QUOTIENT_MAX = 99_999


class _Input(Schema):
    class Meta:
        unknown = EXCLUDE


def _list(nested: type[Schema], maximum: int, *, minimum: int = 0) -> fields.List:
    error = f"De {minimum} à {maximum} éléments."
    return fields.List(
        fields.Nested(nested),
        validate=validate.Length(min=minimum, max=maximum, error=error),
        error_messages=fr.MESSAGES,
    )


PHONE = re.compile(r"^(0[1-9]\d{8}|\+\d{8,15})$")
"""A French number of 10 digits, or an international one; spaces, dots and dashes allowed."""


def _check_phone(value: str) -> None:
    if not PHONE.match(re.sub(r"[ .-]", "", value)):
        raise SchemaError("Numéro de téléphone invalide (exemple : 06 12 34 56 78).")


def _phone() -> fields.String:
    return fr.TrimmedString(
        required=True,
        validate=[validate.Length(max=20, error="20 caractères au plus."), _check_phone],
        error_messages=fr.MESSAGES,
    )


class AdultInput(_Input):
    """A responsible adult as a family or an agent types it."""

    first_name = fr.text(max_length=100)
    last_name = fr.text(max_length=100)
    relationship = fr.choice(family.RELATIONSHIPS)
    email = fr.email()
    phone = _phone()
    custody = fr.choice(CUSTODY)


class ChildSchooling(_Input):
    """Where a child goes to school (``school`` empty: not schooled yet)."""

    id = fields.Integer(required=True, strict=True, error_messages=fr.MESSAGES)
    school = fr.text(required=False, max_length=100, allow_none=True, load_default=None)
    class_name = fr.text(required=False, max_length=20, allow_none=True, load_default=None)


class HealthInput(_Input):
    """Restricted: a child's allergies, PAI and doctor."""

    child_id = fields.Integer(required=True, strict=True, error_messages=fr.MESSAGES)
    allergies = fr.text(required=False, max_length=2000, load_default="")
    pai = fields.Boolean(load_default=False, error_messages=fr.MESSAGES)
    doctor = fr.text(required=False, max_length=200, load_default="")


class ContactInput(_Input):
    first_name = fr.text(max_length=100)
    last_name = fr.text(max_length=100)
    phone = _phone()
    relationship = fr.text(max_length=60)


class Consents(_Input):
    photos = fields.Boolean(required=True, error_messages=fr.MESSAGES)
    outings = fields.Boolean(required=True, error_messages=fr.MESSAGES)


class CertificateUpload(_Input):
    """The quotient familial certificate: a PDF or an image, base64, at most 5 Mo."""

    filename = fr.text(max_length=255)
    data = fields.String(required=True, error_messages=fr.MESSAGES)


class QuotientInput(_Input):
    quotient_familial = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=0, max=QUOTIENT_MAX, error="Nombre entre 0 et 99 999."),
        error_messages={**fr.MESSAGES, "invalid": "Nombre entier attendu."},
    )
    certificate = fields.Nested(CertificateUpload, allow_none=True, load_default=None)


class UpdateDossier(_Input):
    """The sections a family (or an agent) changes; at least one."""

    address = fr.text(required=False, max_length=300)
    adults = _list(AdultInput, 2, minimum=1)
    children = _list(ChildSchooling, 12)
    health = _list(HealthInput, 12)
    pickup = _list(ContactInput, 6)
    emergency = _list(ContactInput, 4)
    consents = fields.Nested(Consents)
    quotient = fields.Nested(QuotientInput)

    @validates_schema
    def _not_empty(self, data: dict, **kwargs) -> None:
        if not data:
            raise SchemaError("Aucune modification à enregistrer.", "_schema")


BIRTH_CERTIFICATE_MISSING = "Joignez l'acte de naissance de l'enfant (PDF ou photo)."


class DeclareBirth(_Input):
    """A family declares a birth online; the child joins the Dossier Unique once an agent
    has checked the birth certificate. ``preregistration``: the reference of the crèche
    pre-registration made for the expected child, linked to the child then."""

    first_name = fr.text(max_length=100)
    last_name = fr.text(required=False, max_length=100, load_default="")
    birth_date = fields.Date(required=True, error_messages=fr.MESSAGES)
    certificate = fields.Nested(
        CertificateUpload,
        required=True,
        error_messages={"required": BIRTH_CERTIFICATE_MISSING, "null": BIRTH_CERTIFICATE_MISSING},
    )
    preregistration = fields.String(load_default=None, allow_none=True)


class UpdateOutcome(Schema):
    applied = fields.List(fields.String(), required=True)
    pending = fields.List(fields.String(), required=True)


class DecideChange(_Input):
    decision = fr.choice(DECISIONS)
    reason = fr.text(required=False, max_length=500, load_default="")

    @validates_schema
    def _reason_when_refused(self, data: dict, **kwargs) -> None:
        if data.get("decision") == "refusee" and not data.get("reason"):
            raise SchemaError("Indiquez le motif du refus à la famille.", "reason")


class AdultView(family.Adult):
    custody = fields.String(required=True)
    custody_label = fields.String(required=True)


class ContactView(Schema):
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    phone = fields.String(required=True)
    relationship = fields.String(required=True)


class QuotientView(Schema):
    quotient_familial = fields.Integer(allow_none=True, required=True)
    valid_from = fields.Date(allow_none=True, required=True)
    resident = fields.Boolean(required=True)


class DossierChangeView(Schema):
    """One entry of the history, or a change waiting for an agent."""

    id = fields.Integer(required=True)
    family_id = fields.String(required=True)
    section = fields.String(required=True)
    section_label = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    proposed = fields.Dict(required=True)
    previous = fields.Dict(required=True)
    requested_as = fields.String(required=True)
    requested_by = fields.String(required=True)
    requested_at = fields.AwareDateTime(required=True, format="iso")
    decided_at = fields.AwareDateTime(allow_none=True, format="iso")
    reason = fields.String(allow_none=True)
    has_certificate = fields.Boolean(required=True)


class Dossier(family.Family):
    """The whole Dossier Unique, with the changes waiting for an agent."""

    adults = fields.List(fields.Nested(AdultView), required=True)
    pickup = fields.List(fields.Nested(ContactView), required=True)
    emergency = fields.List(fields.Nested(ContactView), required=True)
    quotient = fields.Nested(QuotientView, required=True)
    consents = fields.Nested(Consents, required=True)
    pending = fields.List(fields.Nested(DossierChangeView), required=True)


class Certificate(Schema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    data = fields.String(required=True, metadata={"description": "base64"})


class FamilySummary(Schema):
    """A family in an agent's search results."""

    family_id = fields.String(required=True)
    name = fields.String(required=True)
    adults = fields.List(fields.String(), required=True)
    children = fields.List(fields.String(), required=True)


class NewChild(_Input):
    first_name = fr.text(max_length=100)
    last_name = fr.text(max_length=100)
    birth_date = fields.Date(required=True, error_messages={**fr.MESSAGES, "invalid": "Date."})
    school = fr.text(required=False, max_length=100, allow_none=True, load_default=None)
    class_name = fr.text(required=False, max_length=20, allow_none=True, load_default=None)


class CreateFamily(_Input):
    """A family an agent creates; without ``family_id`` the next free identifier is given."""

    family_id = fr.TrimmedString(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(family.FAMILY_IDENTIFIER, error="De 3 à 5 chiffres."),
        error_messages=fr.MESSAGES,
    )
    name = fr.text(max_length=100)
    address = fr.text(max_length=300)
    adults = _list(AdultInput, 2, minimum=1)
    children = _list(NewChild, 12)
    quotient_familial = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=QUOTIENT_MAX, error="Nombre entre 0 et 99 999."),
        error_messages={**fr.MESSAGES, "invalid": "Nombre entier attendu."},
    )
    resident = fields.Boolean(load_default=True, error_messages=fr.MESSAGES)


class DossierChanged(Event):
    """A family or an agent changed sections of the Dossier Unique (some may wait).

    ``account_id`` is the account that made the change, which the confirmation goes to.
    """

    family_id = fields.String(required=True)
    account_id = fields.String(required=True)
    changed_by = fields.String(required=True, validate=validate.OneOf(["famille", "agent"]))
    applied = fields.List(fields.String(), required=True)
    pending = fields.List(fields.String(), required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")


class DossierChangeDecided(Event):
    """An agent validated or refused a change a family had proposed."""

    redacted_once_published = ("reason",)

    family_id = fields.String(required=True)
    change_id = fields.Integer(required=True)
    account_id = fields.String(required=True, metadata={"description": "who proposed it"})
    section = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    reason = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True, format="iso")


class QuotientChanged(Event):
    """A family's quotient familial, validated by an agent (null: unknown, highest bracket)."""

    family_id = fields.String(required=True)
    quotient_familial = fields.Integer(required=True, allow_none=True)
    resident = fields.Boolean(required=True)
    valid_from = fields.Date(required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")
