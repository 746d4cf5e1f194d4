"""Contracts of the crèche and school pre-registrations of the ``family`` service.

RPC (service ``family``), each taking ``caller`` (contracts.identity.Caller) first:

- ``submit_creche_preregistration(caller, family_id, payload: CrecheRequest)`` ->
  ``Preregistration``: a child born or expected, desired start, days and hours per week,
  ranked crèche choices (a linked account; anyone else ``NotFound``)
- ``list_creches(caller)`` -> list of ``School`` (code, name): the town's crèches
- ``get_school_options(caller, family_id)`` -> ``SchoolOptions``: whether the family may
  pre-register online (at least one child already at a public school of the town) and,
  if not, the French message sending it to the town hall; the sector schools of its address
- ``submit_school_preregistration(caller, family_id, payload: SchoolRequest)`` ->
  ``Preregistration``; ``Forbidden`` with that message when the family may not
- ``list_preregistrations(caller, family_id)`` -> list of ``Preregistration``, newest first
- ``list_all_preregistrations(caller, kind, status)`` -> list of ``Preregistration`` (agents)
- ``change_preregistration_status(caller, preregistration_id, payload: ChangeStatus)`` ->
  ``Preregistration`` (agents); only the transitions of ``TRANSITIONS`` are allowed

Events (exchange ``family.events``): ``preregistration_submitted`` and
``preregistration_status_changed`` (notifications e-mails the account that submitted it).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from contracts import fields_fr as fr
from contracts.base import Event

SERVICE = "family"

PREREGISTRATION_SUBMITTED = "preregistration_submitted"
PREREGISTRATION_STATUS_CHANGED = "preregistration_status_changed"

KINDS = {"creche": "Crèche", "ecole": "École"}
STATUSES = {
    "deposee": "Déposée",
    "en_commission": "En commission",
    "place_proposee": "Place proposée",
    "acceptee": "Acceptée",
    "refusee": "Refusée",
    "liste_attente": "Liste d'attente",
}
TRANSITIONS = {
    "creche": {
        "deposee": ("en_commission", "refusee"),
        "en_commission": ("place_proposee", "liste_attente", "refusee"),
        "liste_attente": ("place_proposee", "refusee"),
        "place_proposee": ("acceptee", "liste_attente", "refusee"),
        "acceptee": (),
        "refusee": (),
    },
    "ecole": {
        "deposee": ("acceptee", "liste_attente", "refusee"),
        "liste_attente": ("acceptee", "refusee"),
        "acceptee": (),
        "refusee": (),
    },
}
"""Who may follow what: a crèche place goes through the commission, a school place does not."""

LEVELS = {
    "PS": "Petite section",
    "MS": "Moyenne section",
    "GS": "Grande section",
    "CP": "CP",
    "CE1": "CE1",
    "CE2": "CE2",
    "CM1": "CM1",
    "CM2": "CM2",
}
MAX_CRECHE_CHOICES = 3


class _Input(Schema):
    class Meta:
        unknown = EXCLUDE


def _date(**kw) -> fields.Date:
    return fields.Date(error_messages={**fr.MESSAGES, "invalid": "Date invalide."}, **kw)


def _count(low: int, high: int) -> fields.Integer:
    return fields.Integer(
        required=True,
        validate=validate.Range(min=low, max=high, error=f"Nombre entre {low} et {high}."),
        error_messages={**fr.MESSAGES, "invalid": "Nombre entier attendu."},
    )


class CrecheRequest(_Input):
    """A crèche pre-registration; ``born`` false: the expected birth date is asked instead."""

    child_first_name = fr.text(required=False, max_length=100, load_default="")
    child_last_name = fr.text(max_length=100)
    born = fields.Boolean(required=True, error_messages=fr.MESSAGES)
    birth_date = _date(load_default=None, allow_none=True)
    expected_birth_date = _date(load_default=None, allow_none=True)
    desired_start = _date(required=True)
    days_per_week = _count(1, 5)
    hours_per_week = _count(1, 55)
    creches = fields.List(
        fields.String(),
        required=True,
        validate=validate.Length(
            min=1,
            max=MAX_CRECHE_CHOICES,
            error="Choisissez de 1 à 3 crèches, par ordre de préférence.",
        ),
        error_messages=fr.MESSAGES,
    )

    @validates_schema
    def _birth(self, data: dict, **kwargs) -> None:
        if data.get("born") and data.get("birth_date") is None:
            raise SchemaError(fr.REQUIRED, "birth_date")
        if data.get("born") and not data.get("child_first_name"):
            raise SchemaError(fr.REQUIRED, "child_first_name")
        if data.get("born") is False and data.get("expected_birth_date") is None:
            raise SchemaError(fr.REQUIRED, "expected_birth_date")


class SchoolRequest(_Input):
    """A school pre-registration for a child of the family, or a child not yet in the dossier."""

    child_id = fields.Integer(load_default=None, allow_none=True, error_messages=fr.MESSAGES)
    child_first_name = fr.text(required=False, max_length=100, load_default="")
    child_last_name = fr.text(required=False, max_length=100, load_default="")
    birth_date = _date(load_default=None, allow_none=True)

    @validates_schema
    def _child(self, data: dict, **kwargs) -> None:
        if data.get("child_id") is not None:
            return
        for name in ("child_first_name", "child_last_name", "birth_date"):
            if not data.get(name):
                raise SchemaError(fr.REQUIRED, name)


class School(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class SchoolOptions(Schema):
    allowed = fields.Boolean(required=True)
    refusal = fields.String(allow_none=True, required=True)
    school_year = fields.String(required=True)
    sector = fields.Dict(keys=fields.String(), values=fields.Nested(School), required=True)


class ChangeStatus(_Input):
    status = fr.choice(STATUSES)
    comment = fr.text(required=False, max_length=1000, load_default="")


class StatusStep(Schema):
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    comment = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")


class Preregistration(Schema):
    """A pre-registration as the family and the agents see it."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    family_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    kind_label = fields.String(required=True)
    child_first_name = fields.String(required=True)
    child_last_name = fields.String(required=True)
    birth_date = fields.Date(allow_none=True, required=True)
    expected_birth_date = fields.Date(allow_none=True, required=True)
    desired_start = fields.Date(allow_none=True, required=True)
    days_per_week = fields.Integer(allow_none=True, required=True)
    hours_per_week = fields.Integer(allow_none=True, required=True)
    creches = fields.List(fields.Nested(School), required=True)
    school = fields.Nested(School, allow_none=True, required=True)
    level = fields.String(allow_none=True, required=True)
    school_year = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    next_statuses = fields.List(fields.String(), required=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")
    history = fields.List(fields.Nested(StatusStep), required=True)


class PreregistrationSubmitted(Event):
    """A family pre-registered a child in a crèche or a school."""

    redacted_once_published = ("child_first_name",)

    reference = fields.String(required=True)
    family_id = fields.String(required=True)
    account_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    child_first_name = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")


class PreregistrationStatusChanged(Event):
    """An agent moved a pre-registration on; ``account_id`` is the one that submitted it."""

    redacted_once_published = ("child_first_name", "comment")

    reference = fields.String(required=True)
    family_id = fields.String(required=True)
    account_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    child_first_name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(list(STATUSES)))
    comment = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")
