"""Contracts of the ``notifications`` service: outgoing e-mails.

RPC (service ``notifications``):

- ``list_messages(caller, recipient=None)`` -> list of ``OutgoingMessage`` (admin only)

Events (exchange ``notifications.events``): ``message_sent`` once a message left by SMTP.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from contracts.base import Event

SERVICE = "notifications"

MESSAGE_SENT = "message_sent"

MESSAGE_STATUSES = ("pending", "sent", "failed")


class OutgoingMessage(Schema):
    id = fields.Integer(required=True)
    source_event_id = fields.UUID(required=True)
    template = fields.String(required=True)
    recipient = fields.String(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True, format="iso")
    sent_at = fields.AwareDateTime(allow_none=True, format="iso")


class MessageSent(Event):
    redacted_once_published = ("recipient", "subject")

    message_id = fields.Integer(required=True)
    source_event_id = fields.UUID(required=True)
    template = fields.String(required=True)
    recipient = fields.String(required=True)
    subject = fields.String(required=True)
