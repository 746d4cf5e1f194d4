"""Contracts of the generic démarches (every démarche but the public-space report).

RPC (service ``requests``), each taking ``caller`` (contracts.identity.Caller) first:

- ``submit_demarche(caller, payload: DemarcheSubmission)`` -> ``SubmittedDemarche``; the
  ``fields`` are validated by the démarche's definition (:mod:`contracts.demarches`)
- ``get_tracked_demarche(caller, tracking_number, tracking_key)`` -> ``DemarcheRequest``
- ``list_demarche_requests(caller, demarche, status=None, page=1, size=50)`` ->
  ``AgentDemarchePage`` (agents of the démarche's role)
- ``get_demarche_request(caller, request_id)`` -> ``AgentDemarcheRequest`` (same agents)
- ``change_demarche_status(caller, request_id, payload: ChangeDemarcheStatus)`` ->
  ``AgentDemarcheRequest``
- ``answer_demarche(caller, tracking_number, tracking_key, payload: AnswerDemarche)`` ->
  ``DemarcheRequest``: the requester answers a request ``en_attente`` (text and files); it
  goes back to ``en_cours``
- ``get_demarche_attachment(caller, request_id, attachment_id)`` -> ``contracts.requests.Photo``
  (content type and base64 content; same agents)

Events (exchange ``requests.events``): ``demarche_submitted``, ``demarche_status_changed``;
``notify`` tells whether the definition e-mails the citizen at that status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts import fields_fr as fr
from contracts.base import Event, flatten_messages
from contracts.demarche_rules import RULES
from contracts.demarches import GENERIC, Demarche
from contracts.errors import Invalid
from contracts.paging import page_of
from contracts.requests import SERVICE as REQUESTS_SERVICE
from contracts.requests import PhotoUpload, StatusChange

SERVICE = REQUESTS_SERVICE  # démarche requests live in, and are published by, requests

DEMARCHE_SUBMITTED = "demarche_submitted"
DEMARCHE_STATUS_CHANGED = "demarche_status_changed"

INVALID_FORM = "Le formulaire contient des erreurs."


def form_field(definition: Any) -> fields.Field:
    """The marshmallow field of one :class:`contracts.demarches.Field`."""
    required = definition.required
    if definition.kind == "choice":
        return fr.choice(definition.choices, required=required)
    if definition.kind == "email":
        return fr.email(required=required)
    if definition.kind == "number":
        return fields.Integer(
            required=required,
            strict=False,
            validate=validate.Range(
                min=definition.low,
                max=definition.high,
                error=f"Nombre entre {definition.low} et {definition.high} attendu.",
            ),
            error_messages={**fr.MESSAGES, "invalid": "Nombre entier attendu (exemple : 12)."},
        )
    if definition.kind == "plate":
        return fr.RegistrationNumber(required=required, error_messages=fr.MESSAGES)
    if definition.kind == "date":
        return fields.Date(
            required=required,
            error_messages={**fr.MESSAGES, "invalid": "Date attendue (jj/mm/aaaa)."},
        )
    return fr.text(required=required, max_length=definition.max_length)


def payload_schema(demarche: Demarche) -> Schema:
    """A schema loading the answers of ``demarche`` (its files aside); unknown fields are
    dropped."""
    answers = {f.name: form_field(f) for f in demarche.fields if f.kind != "file"}
    schema_class = Schema.from_dict(answers, name=f"Demarche_{demarche.code}")
    return schema_class(unknown=EXCLUDE)


def load_fields(demarche: Demarche, data: Any, today: date, files: Any = ()) -> dict:
    """The fields of a submission, validated by the definition and its rules (``today``: the
    Paris date of the submission), JSON-ready; ``files`` names the file fields sent.

    Raises :class:`Invalid` with French errors per field."""
    errors = flatten_messages(
        payload_schema(demarche).validate(data if isinstance(data, dict) else {})
    )
    for field in demarche.fields:
        if field.kind == "file" and field.required and field.name not in files:
            errors[field.name] = [fr.REQUIRED]
    if errors:
        raise Invalid(
            INVALID_FORM, {f.name: errors[f.name] for f in demarche.fields if f.name in errors}
        )
    loaded = payload_schema(demarche).load(data)
    for rule in demarche.rules:
        errors.update(RULES[rule](loaded, today))
    if errors:
        raise Invalid(INVALID_FORM, errors)
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in loaded.items()
    }


class SubmitDemarche(Schema):
    class Meta:
        unknown = EXCLUDE

    demarche = fr.choice(GENERIC)
    fields = fields.Dict(keys=fields.String(), required=True, error_messages=fr.MESSAGES)


ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
"""Largest file joined to a démarche (5 Mo), before an image is re-encoded."""


class DemarcheSubmission(SubmitDemarche):
    """What the gateway sends ``submit_demarche``; ``client_ip`` is set by the gateway;
    ``files`` holds the file fields of the definition, each a name and base64 content."""

    client_ip = fields.String(load_default="")
    files = fields.Dict(keys=fields.String(), values=fields.Nested(PhotoUpload), load_default=dict)


class Attachment(Schema):
    """A file joined to a request, without its content."""

    id = fields.Integer(required=True)
    field = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)


class ChangeDemarcheStatus(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error=fr.REQUIRED),
            validate.Length(max=40, error="Statut inconnu."),
        ],
        error_messages=fr.MESSAGES,
    )
    comment = fr.text(max_length=2000, required=False, load_default="")
    internal_note = fr.text(max_length=2000, required=False, load_default="")


MAX_ANSWER_FILES = 3


class AnswerDemarche(Schema):
    """The requester's answer to a request waiting for them: a text and up to 3 files."""

    class Meta:
        unknown = EXCLUDE

    message = fr.text(max_length=5000)
    files = fields.List(
        fields.Nested(PhotoUpload),
        load_default=list,
        validate=validate.Length(
            max=MAX_ANSWER_FILES, error=f"{MAX_ANSWER_FILES} fichiers au plus."
        ),
    )


class DemarcheStatusChange(StatusChange):
    """A step as the requester reads it; ``by_requester`` marks their own answers."""

    by_requester = fields.Boolean(required=True)


class AgentDemarcheStatusChange(DemarcheStatusChange):
    """A step with who made it and the agents' internal note."""

    changed_by = fields.String(allow_none=True)
    internal_note = fields.String(required=True)


class DemarcheRequest(Schema):
    """A démarche as its requester follows it through the tracking link."""

    id = fields.Integer(required=True)
    demarche = fields.String(required=True)
    demarche_title = fields.String(required=True)
    tracking_number = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    expected_by = fields.Date(required=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")
    updated_at = fields.AwareDateTime(required=True, format="iso")
    history = fields.List(fields.Nested(DemarcheStatusChange), required=True)
    fields = fields.Dict(keys=fields.String(), required=True)  # last: it shadows the module


class SubmittedDemarche(DemarcheRequest):
    tracking_key = fields.String(required=True)


class AgentDemarcheRequest(DemarcheRequest):
    """With the requester's e-mail and the statuses the agent may set next."""

    email = fields.String(required=True)
    account_id = fields.String(allow_none=True)
    next_statuses = fields.List(fields.String(), required=True)
    attachments = fields.List(fields.Nested(Attachment), required=True)
    history = fields.List(fields.Nested(AgentDemarcheStatusChange), required=True)
    assigned_to = fields.String(allow_none=True)
    assigned_name = fields.String(required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "expected date passed"})


AgentDemarchePage = page_of(AgentDemarcheRequest)


class DemarcheFacts(Schema):
    """Fields both démarche events carry (not an event by itself)."""

    request_id = fields.Integer(required=True)
    demarche = fields.String(required=True)
    demarche_title = fields.String(required=True)
    tracking_number = fields.String(required=True)
    tracking_key = fields.String(required=True)
    email = fields.String(required=True)
    account_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    notify = fields.Boolean(required=True, metadata={"description": "e-mail the requester"})


class DemarcheSubmitted(DemarcheFacts, Event):
    redacted_once_published = ("tracking_key", "email")

    submitted_at = fields.AwareDateTime(required=True, format="iso")


class DemarcheStatusChanged(DemarcheFacts, Event):
    redacted_once_published = ("tracking_key", "email", "comment")

    previous_status = fields.String(required=True)
    comment = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")
    by_requester = fields.Boolean(
        load_default=False, metadata={"description": "the requester answered (comment)"}
    )
