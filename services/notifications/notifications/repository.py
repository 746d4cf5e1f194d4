"""Queries of the ``notifications`` database: outgoing messages and the accounts projection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Integer,
    Row,
    bindparam,
    column,
    delete,
    func,
    insert,
    select,
    update,
    values,
)
from sqlalchemy.orm import Session

from chassis.paging import fetch_page
from notifications.contacts import new_contact_fields
from notifications.domain import PENDING, success_values
from notifications.models import Contact, DeliveryAttempt, OutgoingMessage
from notifications.rendering import Rendered

MESSAGES = OutgoingMessage.__table__
ATTEMPTS = DeliveryAttempt.__table__
STORE = insert(MESSAGES)


class Messages:
    """Outgoing messages of one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, source_event_id: str, rendered: Rendered, now: datetime) -> OutgoingMessage:
        """A pending message, due at once."""
        message = OutgoingMessage(**_pending(source_event_id, rendered, now))
        self.session.add(message)
        self.session.flush()
        return message

    def store(self, source_event_id: str, rendered: Rendered, now: datetime) -> None:
        """``add`` without the object: one INSERT, for a message someone else sends."""
        self.session.execute(STORE, _pending(source_event_id, rendered, now))

    def claim_due(self, now: datetime, limit: int) -> list[OutgoingMessage]:
        """The ``limit`` oldest due pending messages, locked; rows locked by another replica
        are skipped."""
        query = (
            select(OutgoingMessage)
            .where(OutgoingMessage.status == PENDING, OutgoingMessage.next_attempt_at <= now)
            .order_by(OutgoingMessage.next_attempt_at, OutgoingMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(query))

    def record_attempt(self, message: OutgoingMessage, error: str | None, now: datetime) -> None:
        self.session.add(DeliveryAttempt(message_id=message.id, attempted_at=now, error=error))

    def record_sent(self, sent: list[tuple[int, datetime]]) -> None:
        """Messages that left, each ``(id, when)``: their attempts and their rows in two
        statements, whatever their number (``domain.record_success`` for many at once). Their
        loaded objects are stale until the session commits."""
        if not sent:
            return
        self.session.execute(
            insert(ATTEMPTS),
            [{"message_id": id_, "attempted_at": at, "error": None} for id_, at in sent],
        )
        left = values(
            column("id", Integer), column("sent_at", DateTime(timezone=True)), name="sent"
        ).data(sent)
        success = success_values(MESSAGES.c.attempts, left.c.sent_at)
        self.session.execute(update(MESSAGES).where(MESSAGES.c.id == left.c.id).values(success))

    def list(
        self, recipient: str | None, page: int, size: int, since: datetime | None = None
    ) -> tuple[list[OutgoingMessage], int]:
        """One page, newest first, optionally for one recipient only and written ``since``;
        and how many in all."""
        query = select(OutgoingMessage).order_by(OutgoingMessage.id.desc())
        if recipient is not None:
            query = query.where(OutgoingMessage.recipient == recipient)
        if since is not None:
            query = query.where(OutgoingMessage.created_at >= since)
        return fetch_page(self.session, query, page, size)

    def forget_recipient(self, addresses: set[str]) -> None:
        """Drop the pending messages to ``addresses``; the others keep only their template,
        subject, status and dates (the record that the town wrote), not who nor what."""
        if not addresses:
            return
        to_them = select(OutgoingMessage.id).where(OutgoingMessage.recipient.in_(addresses))
        pending = to_them.where(OutgoingMessage.status == PENDING)
        self.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.message_id.in_(pending)))
        self.session.execute(delete(OutgoingMessage).where(OutgoingMessage.id.in_(pending)))
        error = DeliveryAttempt.error
        for address in addresses:
            self.session.execute(
                update(DeliveryAttempt)
                .where(DeliveryAttempt.message_id.in_(to_them))
                .values(error=func.replace(error, address, ""))
            )
        blank = {"recipient": "", "text_body": "", "html_body": "", "last_error": None}
        self.session.execute(
            update(OutgoingMessage).where(OutgoingMessage.recipient.in_(addresses)).values(**blank)
        )


ADDRESSES = select(Contact.account_id, Contact.email, Contact.closed).where(
    Contact.account_id.in_(bindparam("ids", expanding=True))
)


def _pending(source_event_id: str, rendered: Rendered, now: datetime) -> dict:
    return {
        "source_event_id": str(source_event_id),
        "template": rendered.template,
        "recipient": rendered.recipient,
        "subject": rendered.subject,
        "text_body": rendered.text,
        "html_body": rendered.html,
        "attachments": [attachment.stored() for attachment in rendered.attachments] or None,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


class Contacts:
    """The accounts projection, in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, account_id: str) -> Contact | None:
        return self.session.get(Contact, account_id)

    def addresses(self, account_ids: list[str]) -> dict[str, Row]:
        """``email`` and ``closed`` of the known ones of ``account_ids``, in one query."""
        if not account_ids:
            return {}
        rows = self.session.execute(ADDRESSES, {"ids": list(account_ids)})
        return {row.account_id: row for row in rows}

    def lock(self, account_id: str) -> Contact:
        """The account's row, locked until commit; created when no event has named it yet.

        Two handlers creating the same row at once: one fails on the primary key and is retried
        by ``handle_event``, then finds the row.
        """
        query = select(Contact).where(Contact.account_id == account_id).with_for_update()
        contact = self.session.scalars(query).one_or_none()
        if contact is None:
            contact = Contact(**new_contact_fields(account_id))
            self.session.add(contact)
            self.session.flush()
        return contact
