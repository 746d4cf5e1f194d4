"""Contracts of the ``requests`` service: public-space reports (signalements).

RPC (service ``requests``), each taking ``caller`` (contracts.identity.Caller) first:

- ``list_report_categories(caller)`` -> list of ``Category``
- ``submit_report(caller, payload: ReportSubmission)`` -> ``SubmittedReport`` (TooManyRequests
  past the limits per address and per e-mail)
- ``get_tracked_report(caller, tracking_number, tracking_key)`` -> ``Report``
- ``get_tracked_report_photo(caller, tracking_number, tracking_key, position=1)`` -> ``Photo``
  (JPEG; ``position`` 1 to ``MAX_PHOTOS``, added with several photos)
- ``list_reports(caller, status=None, page=1, size=50)`` -> ``AgentReportPage`` (agents; a
  page of ``AgentReport``, see :mod:`contracts.paging`)
- ``get_report(caller, report_id)`` -> ``AgentReport`` (agents)
- ``get_report_photo(caller, report_id, position=1)`` -> ``Photo`` (agents)
- ``change_report_status(caller, report_id, payload: ChangeReportStatus)`` -> ``AgentReport``
- ``unfollow_report(caller, payload: UnfollowReport)`` -> ``FollowedReport``: the follower
  whose key it is stops getting the report's e-mails (NotFound for a wrong key or number)
- ``list_open_report_points(caller)`` -> list of ``ReportPoint`` (agents): open reports placed
  on the map, newest first, at most ``MAP_MAX_REPORTS``
- ``list_account_requests(caller)`` -> list of ``contracts.timeline.TimelineEntry`` (the
  caller's own account; reports submitted while logged in carry ``account_id``)

Consumes ``accounts.account_closed``: the account's reports lose their author's identity
(e-mail, account) and are kept for the town's records.

Events (exchange ``requests.events``): ``report_submitted``, ``report_status_changed``.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts import fields_fr as fr
from contracts.base import Event
from contracts.paging import page_of

SERVICE = "requests"

REPORT_SUBMITTED = "report_submitted"
REPORT_STATUS_CHANGED = "report_status_changed"

CATEGORIES = {
    "voirie": "Voirie (chaussée, trottoir, nid-de-poule)",
    "voiture_ventouse": "Voiture ventouse",
    "tags": "Tags et graffitis",
    "espaces_verts": "Espaces verts",
    "eclairage_public": "Éclairage public",
    "proprete": "Propreté",
}

EXPECTED_DAYS = {
    "voirie": 15,
    "voiture_ventouse": 10,
    "tags": 10,
    "espaces_verts": 21,
    "eclairage_public": 7,
    "proprete": 3,
}
"""Days the town expects to take per category: shown on the tracking page, and Open311's
``expected_datetime``."""

STATUSES = {
    "nouveau": "Nouveau",
    "en_cours": "En cours",
    "resolu": "Résolu",
    "rejete": "Rejeté",
}

AGENT_ROLES = ("agent_espace_public", "admin")
"""Roles allowed to see and process reports."""

PHOTO_MAX_BYTES = 10 * 1024 * 1024
"""Largest photo accepted (10 Mo), before re-encoding."""
MAX_PHOTOS = 3
"""Photos a report may carry."""
TOO_MANY_PHOTOS = f"{MAX_PHOTOS} photos au plus par signalement."


class Category(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class PhotoUpload(Schema):
    """A file as sent by the citizen: its name and base64 content."""

    class Meta:
        unknown = EXCLUDE

    filename = fr.text(max_length=255, required=False, load_default="photo")
    data = fields.String(required=True, error_messages=fr.MESSAGES)


class Photo(Schema):
    content_type = fields.String(required=True)
    data = fields.String(required=True, metadata={"description": "base64"})


class SubmitReport(Schema):
    """What a citizen sends to report a problem."""

    class Meta:
        unknown = EXCLUDE

    category = fr.choice(CATEGORIES)
    address = fr.text(max_length=300, min_length=3)
    latitude = fr.number(low=-90, high=90, load_default=None, allow_none=True)
    longitude = fr.number(low=-180, high=180, load_default=None, allow_none=True)
    description = fr.text(max_length=5000)
    email = fr.email()
    photo = fields.Nested(
        PhotoUpload,
        load_default=None,
        allow_none=True,
        metadata={"description": "one photo (kept for existing clients; see photos)"},
    )
    photos = fields.List(
        fields.Nested(PhotoUpload),
        load_default=list,
        metadata={"description": f"up to {MAX_PHOTOS} photos, with photo counted"},
    )

    @validates_schema
    def _photo_count(self, data: dict, **_: object) -> None:
        count = len(data.get("photos") or []) + (data.get("photo") is not None)
        if count > MAX_PHOTOS:
            raise ValidationError(TOO_MANY_PHOTOS, "photos")

    @validates_schema
    def _both_coordinates(self, data: dict, **_: object) -> None:
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError(
                "Indiquez la latitude et la longitude, ou aucune des deux.", "latitude"
            )


class ReportSubmission(SubmitReport):
    """What the gateway sends ``submit_report``: the report and the address it came from.

    ``client_ip`` is set by the gateway, never taken from the visitor (reports are limited
    per address); it is not part of the public API.
    """

    client_ip = fields.String(load_default="")


SIMILAR_WITHIN_METRES = 50
"""An open report of the same category this close is offered to follow instead."""


class FindSimilarReports(Schema):
    """Where and what a citizen is about to report (``find_similar_reports``)."""

    class Meta:
        unknown = EXCLUDE

    category = fr.choice(CATEGORIES)
    latitude = fr.number(low=-90, high=90, required=True)
    longitude = fr.number(low=-180, high=180, required=True)


class SimilarReport(Schema):
    """An open report near a place: what a citizen needs to recognise it, nothing about its
    author (no e-mail, description or photo)."""

    tracking_number = fields.String(required=True)
    category_label = fields.String(required=True)
    address = fields.String(required=True)
    status_label = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")
    distance_metres = fields.Integer(required=True)


class FollowReport(Schema):
    """``follow_report``: the address that will get the report's status e-mails.

    ``client_ip`` is set by the gateway: following counts in the same limits as reporting,
    since both send e-mails to a typed address."""

    class Meta:
        unknown = EXCLUDE

    tracking_number = fields.String(required=True, validate=validate.Length(max=20))
    email = fr.email()
    client_ip = fields.String(load_default="")


class UnfollowReport(Schema):
    """``unfollow_report``: the number and the follower's key from their e-mail's link."""

    class Meta:
        unknown = EXCLUDE

    tracking_number = fields.String(required=True, validate=validate.Length(max=20))
    key = fields.String(required=True, validate=validate.Length(max=64))


class FollowedReport(Schema):
    tracking_number = fields.String(required=True)
    category_label = fields.String(required=True)
    address = fields.String(required=True)
    status_label = fields.String(required=True)


class ChangeReportStatus(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fr.choice(STATUSES)
    comment = fr.text(max_length=2000, required=False, load_default="")


class StatusChange(Schema):
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    comment = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")


class Report(Schema):
    """A report as its author sees it through the tracking link."""

    id = fields.Integer(required=True)
    tracking_number = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    has_photo = fields.Boolean(required=True)
    photo_count = fields.Integer(
        load_default=0, metadata={"description": f"0 to {MAX_PHOTOS} (added with photos)"}
    )
    submitted_at = fields.AwareDateTime(required=True, format="iso")
    updated_at = fields.AwareDateTime(required=True, format="iso")
    history = fields.List(fields.Nested(StatusChange), required=True)
    reopenable_until = fields.AwareDateTime(
        allow_none=True, format="iso", metadata={"description": "the author may reopen until"}
    )
    expected_by = fields.Date(metadata={"description": "the category's expected date (Paris)"})


class ReopenReport(Schema):
    """Why the author reopens a resolved report (``reopen_report``)."""

    class Meta:
        unknown = EXCLUDE

    reason = fr.text(max_length=2000)


class SubmittedReport(Report):
    """The answer to ``submit_report``: the report and its private tracking key."""

    tracking_key = fields.String(required=True)


class AgentReport(Report):
    """A report as an agent sees it: with the author's e-mail and the agent it is assigned to
    (``assigned_to`` an account id, ``assigned_name`` the name shown; none and empty)."""

    email = fields.String(required=True)
    assigned_to = fields.String(load_default=None, allow_none=True)
    assigned_name = fields.String(load_default="")


class ReportSubmitted(Event):
    redacted_once_published = ("tracking_key", "address", "description", "email")

    report_id = fields.Integer(required=True)
    tracking_number = fields.String(required=True)
    tracking_key = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    address = fields.String(required=True)
    description = fields.String(required=True)
    email = fields.String(required=True)
    account_id = fields.String(load_default=None, allow_none=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")


class ReportStatusChanged(Event):
    redacted_once_published = (
        "tracking_key",
        "email",
        "comment",
        "followers",
        "unsubscribe_keys",
    )

    report_id = fields.Integer(required=True)
    tracking_number = fields.String(required=True)
    tracking_key = fields.String(required=True)
    email = fields.String(required=True)
    account_id = fields.String(load_default=None, allow_none=True)
    previous_status = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    comment = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True, format="iso")
    # Added with report followers: the addresses that chose to follow this report; they get
    # the same news without the author's private link. Emptied once published.
    followers = fields.List(fields.String(), load_default=list, allow_none=True)
    # Added with unsubscribe links: each follower's private key to stop following (e-mail ->
    # key), for the link in their e-mail. Emptied once published.
    unsubscribe_keys = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict, allow_none=True
    )


AgentReportPage = page_of(AgentReport)


MAP_MAX_REPORTS = 500
"""Open reports on the agents' map at most (the newest)."""


class ReportPoint(Schema):
    """An open report placed on the map, for the agents' map: what a marker shows."""

    id = fields.Integer(required=True)
    tracking_number = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(required=True)
    longitude = fields.Float(required=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")
