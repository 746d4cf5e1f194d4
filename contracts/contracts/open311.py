"""Contracts of the public read of public-space reports behind Open311 GeoReport v2.

RPC (service ``requests``):

- ``list_public_reports(caller, filters: PublicReportFilters)`` -> ``PublicReport`` list: the
  reports a window selects, newest first, at most ``MAX_REPORTS``; anyone may call it, and no
  personal data is in the answer (no e-mail, no account, no free text typed by the author:
  a description may name people, so it is not published until the town moderates it)

- ``submit_open311_request(caller, payload: Open311Submission)`` -> ``Open311Created``: a
  report sent by a partner system with the key an administrator issued to it; Forbidden for
  a missing, unknown or revoked key, TooManyRequests past ``REQUESTS_PER_KEY_PER_HOUR``
- ``create_open311_key(caller, payload: CreateOpen311Key)`` -> ``IssuedOpen311Key`` (admin;
  the token is in this answer only, the service keeps its SHA-256)
- ``list_open311_keys(caller)`` -> ``Open311Key`` list (admin), newest first
- ``revoke_open311_key(caller, key_id)`` -> ``Open311Key`` (admin; Conflict if already revoked)

The gateway shapes them into GeoReport v2 (``gateway.views.open311``).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts import fields_fr as fr
from contracts.requests import CATEGORIES

REQUESTS_PER_KEY_PER_HOUR = 300
"""Reports one partner key may send in an hour (a partner relays many citizens)."""
KEY_ROLE = "admin"
"""Who issues, lists and revokes partner keys."""

MAX_REPORTS = 1000
WINDOW_DAYS = 90
"""The default and the widest window of a request list (the standard's 90 days)."""
OPEN311_STATUSES = ("open", "closed")


class PublicReportFilters(Schema):
    class Meta:
        unknown = EXCLUDE

    tracking_numbers = fields.List(
        fields.String(validate=validate.Length(max=20)),
        load_default=list,
        validate=validate.Length(max=MAX_REPORTS),
    )
    service_code = fr.choice(CATEGORIES, required=False, load_default=None, allow_none=True)
    status = fr.choice(OPEN311_STATUSES, required=False, load_default=None, allow_none=True)
    start = fields.AwareDateTime(load_default=None, allow_none=True)
    end = fields.AwareDateTime(load_default=None, allow_none=True)


class PublicReport(Schema):
    tracking_number = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "open or closed"})
    status_notes = fields.String(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")
    updated_at = fields.AwareDateTime(required=True, format="iso")
    expected_at = fields.AwareDateTime(required=True, format="iso")


class Open311Submission(Schema):
    """A GeoReport v2 ``POST requests`` as the gateway forwards it (the standard's names).

    ``lat``/``long`` or ``address_string`` place it. ``email`` is required here: the town
    writes to the citizen at every step. ``first_name``, ``last_name``, ``phone`` and
    ``media_url`` are accepted and not kept (see docs/design.md).
    """

    class Meta:
        unknown = EXCLUDE

    api_key = fields.String(required=True, validate=validate.Length(max=200))
    service_code = fr.choice(CATEGORIES)
    lat = fr.number(low=-90, high=90, load_default=None, allow_none=True)
    long = fr.number(low=-180, high=180, load_default=None, allow_none=True)
    address_string = fr.text(
        max_length=300, min_length=3, required=False, load_default=None, allow_none=True
    )
    description = fr.text(max_length=4000)
    email = fr.email()
    first_name = fr.text(max_length=100, required=False, load_default=None, allow_none=True)
    last_name = fr.text(max_length=100, required=False, load_default=None, allow_none=True)
    phone = fr.text(max_length=40, required=False, load_default=None, allow_none=True)
    media_url = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _placed(self, data: dict, **_: object) -> None:
        if (data.get("lat") is None) != (data.get("long") is None):
            raise ValidationError("Indiquez lat et long, ou aucune des deux.", "lat")
        if data.get("lat") is None and not data.get("address_string"):
            raise ValidationError("Indiquez lat et long, ou address_string.", "address_string")


class Open311Created(Schema):
    tracking_number = fields.String(required=True)
    expected_days = fields.Integer(required=True)


class CreateOpen311Key(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fr.text(max_length=100, min_length=2)


class Open311Key(Schema):
    """A partner key as an administrator sees it: never the token."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    token_hint = fields.String(required=True, metadata={"description": "first characters"})
    created_at = fields.AwareDateTime(required=True, format="iso")
    created_by = fields.String(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True, format="iso")
    last_used_at = fields.AwareDateTime(allow_none=True, format="iso")


class IssuedOpen311Key(Open311Key):
    token = fields.String(required=True, metadata={"description": "shown once"})
