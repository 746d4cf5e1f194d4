"""One entry of a citizen's "Mon espace" timeline; every service lists its own entries.

- ``requests.list_account_requests(caller)`` -> list of ``TimelineEntry``

The gateway merges the lists of every service, newest first.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class TimelineEntry(Schema):
    service = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "e.g. signalement"})
    reference = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True, format="iso")
    updated_at = fields.AwareDateTime(required=True, format="iso")
    path = fields.String(required=True, metadata={"description": "gateway path of its page"})
