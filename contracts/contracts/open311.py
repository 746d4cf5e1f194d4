"""Contracts of the public read of public-space reports behind Open311 GeoReport v2.

RPC (service ``requests``):

- ``list_public_reports(caller, filters: PublicReportFilters)`` -> ``PublicReport`` list: the
  reports a window selects, newest first, at most ``MAX_REPORTS``; anyone may call it, and no
  personal data is in the answer (no e-mail, no account, no free text typed by the author:
  a description may name people, so it is not published until the town moderates it)

The gateway shapes them into GeoReport v2 (``gateway.views.open311``).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts import fields_fr as fr
from contracts.requests import CATEGORIES

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
