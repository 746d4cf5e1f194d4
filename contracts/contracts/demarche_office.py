"""Contracts of the démarche back office (service ``requests``): the agents' queue, its
export, assignment, and the log of agents' views of état-civil requests.

RPC, each taking ``caller`` first:

- ``search_demarche_requests(caller, filters: QueueFilters, page=1, size=50)`` ->
  ``contracts.demarche_requests.AgentDemarchePage``: the requests of the démarches of the
  caller's roles (public-space reports included, their answers from their own columns),
  oldest first
- ``export_demarche_requests(caller, filters: QueueFilters)`` -> ``Export``: the same list,
  at most ``EXPORT_LIMIT`` rows, for a CSV file
- ``assign_demarche_request(caller, request_id, payload: Assign)`` ->
  ``contracts.demarche_requests.AgentDemarcheRequest`` (to oneself, to a named colleague,
  or to nobody)
- ``list_demarche_views(caller, page=1, size=50)`` -> ``ViewLogPage`` (admin): who opened
  which état-civil request, and when
- ``change_report_statuses(caller, payload: BulkReportStatus)`` -> ``BulkResult``: several
  public-space reports moved to one status with one comment, all or none (public-space
  agents); each change announces ``report_status_changed``
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts import fields_fr as fr
from contracts.demarche_requests import DemarcheRequest
from contracts.demarches import CATALOGUE
from contracts.paging import page_of
from contracts.requests import ChangeReportStatus

EXPORT_LIMIT = 5000
ASSIGNMENTS = {"": "Toutes", "moi": "Attribuées à moi", "personne": "Non attribuées"}


class QueueFilters(Schema):
    """What an agent narrows the queue with; every filter is optional."""

    class Meta:
        unknown = EXCLUDE

    demarche = fr.choice(CATALOGUE, required=False, load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    submitted_from = fields.Date(
        load_default=None,
        allow_none=True,
        error_messages={**fr.MESSAGES, "invalid": "Date attendue (jj/mm/aaaa)."},
    )
    submitted_to = fields.Date(
        load_default=None,
        allow_none=True,
        error_messages={**fr.MESSAGES, "invalid": "Date attendue (jj/mm/aaaa)."},
    )
    overdue = fields.Boolean(load_default=False)
    search = fr.text(max_length=100, required=False, load_default="")
    assigned = fr.choice(ASSIGNMENTS, required=False, load_default="")
    assigned_to = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=64)
    )
    """The requests assigned to this agent (an account id); wins over ``assigned``."""


NO_AGENT = "Choisissez l'agent à qui attribuer la demande."


class Assign(Schema):
    """Take a request (``moi``), give it to a colleague (``agent``: ``agent_id``, an agent of
    the démarche's role from accounts' ``list_agents_with_role``), or give it back
    (``personne``); ``assignee_name`` is the name shown."""

    class Meta:
        unknown = EXCLUDE

    assignee = fr.choice({"moi": "", "agent": "", "personne": ""})
    assignee_name = fr.text(max_length=200, required=False, load_default="")
    agent_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    demarche = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    """With ``agent``: the démarche whose role the gateway checked the colleague holds; the
    request must be one of its."""

    @validates_schema
    def _agent_named(self, data: dict, **kwargs) -> None:
        if data["assignee"] == "agent" and not data.get("agent_id"):
            raise ValidationError(NO_AGENT, "agent_id")
        if data["assignee"] == "agent" and not data.get("demarche"):
            raise ValidationError(NO_AGENT, "demarche")


class ExportRow(DemarcheRequest):
    """One line of the export: the request as its agents see it, without its history."""

    class Meta:
        exclude = ("history",)

    email = fields.String(required=True)
    assigned_name = fields.String(required=True)


class Export(Schema):
    rows = fields.List(fields.Nested(ExportRow), required=True)
    truncated = fields.Boolean(required=True)


class ViewLogEntry(Schema):
    agent_id = fields.String(required=True)
    request_id = fields.Integer(required=True)
    tracking_number = fields.String(required=True)
    viewed_at = fields.AwareDateTime(required=True, format="iso")


ViewLogPage = page_of(ViewLogEntry)


BULK_LIMIT = 100


class BulkReportStatus(ChangeReportStatus):
    report_ids = fields.List(
        fields.Integer(),
        required=True,
        validate=validate.Length(
            min=1, max=BULK_LIMIT, error=f"Cochez entre 1 et {BULK_LIMIT} signalements."
        ),
        error_messages={**fr.MESSAGES, "required": "Cochez au moins un signalement."},
    )


class BulkResult(Schema):
    changed = fields.List(fields.String(), required=True, metadata={"description": "numbers"})
