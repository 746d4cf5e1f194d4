"""Contracts of the ``notifications`` service: outgoing e-mails.

RPC (service ``notifications``):

- ``list_messages(caller, recipient=None, page=1, size=50)`` -> ``OutgoingMessagePage`` (admin
  only; a page of ``OutgoingMessage``, see :mod:`contracts.paging`)
- ``list_account_messages(caller, page=1, size=50)`` -> ``AccountMessagePage``: the e-mails
  sent to the caller's account address, newest first (the account's "Messages" page)

Events: none. Nothing outside this service needs to know that an e-mail left; a citizen's
message history is read from this service (``list_messages``).
"""

from __future__ import annotations

from marshmallow import Schema, fields

from contracts.paging import page_of

SERVICE = "notifications"

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


OutgoingMessagePage = page_of(OutgoingMessage)


class AccountMessage(Schema):
    """An e-mail as the person it was written to reads it again in the portal."""

    id = fields.Integer(required=True)
    subject = fields.String(required=True)
    text_body = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True, format="iso")
    sent_at = fields.AwareDateTime(allow_none=True, format="iso")


AccountMessagePage = page_of(AccountMessage)
