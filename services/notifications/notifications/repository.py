"""Queries of the ``notifications`` database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.domain import PENDING
from notifications.models import DeliveryAttempt, OutgoingMessage
from notifications.rendering import Rendered

LIST_LIMIT = 200


class Messages:
    """Outgoing messages of one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, source_event_id: str, rendered: Rendered, now: datetime) -> OutgoingMessage:
        """A pending message, due at once."""
        message = OutgoingMessage(
            source_event_id=str(source_event_id),
            template=rendered.template,
            recipient=rendered.recipient,
            subject=rendered.subject,
            text_body=rendered.text,
            html_body=rendered.html,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        self.session.add(message)
        self.session.flush()
        return message

    def claim_next_due(self, now: datetime) -> OutgoingMessage | None:
        """The oldest due pending message, locked; rows locked by another replica are skipped."""
        query = (
            select(OutgoingMessage)
            .where(OutgoingMessage.status == PENDING, OutgoingMessage.next_attempt_at <= now)
            .order_by(OutgoingMessage.next_attempt_at, OutgoingMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return self.session.scalars(query).first()

    def record_attempt(self, message: OutgoingMessage, error: str | None, now: datetime) -> None:
        self.session.add(DeliveryAttempt(message_id=message.id, attempted_at=now, error=error))

    def list(self, recipient: str | None = None) -> list[OutgoingMessage]:
        """The newest messages first, optionally for one recipient only."""
        query = select(OutgoingMessage).order_by(OutgoingMessage.id.desc()).limit(LIST_LIMIT)
        if recipient is not None:
            query = query.where(OutgoingMessage.recipient == recipient)
        return list(self.session.scalars(query))
