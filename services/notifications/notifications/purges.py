"""How long the notifications service keeps its messages (see "Retention" in docs/design.md).

A message sent or given up on stays a year, with its delivery attempts: the proof that the town
told a citizen about a step of their request, should they dispute it. Pending messages stay
until they are sent or given up on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Delete, MetaData, delete, select

from chassis import retention
from notifications.domain import PENDING

MESSAGES_KEPT = timedelta(days=365)
MESSAGES = "outgoing_messages"


def _done(messages, now: datetime):
    return messages.c.status != PENDING


def _attempts_of_old_messages(metadata: MetaData, now: datetime) -> Delete:
    messages, attempts = metadata.tables[MESSAGES], metadata.tables["delivery_attempts"]
    old = select(messages.c.id).where(
        messages.c.created_at < now - MESSAGES_KEPT, _done(messages, now)
    )
    return delete(attempts).where(attempts.c.message_id.in_(old))


RULES = (
    *retention.CHASSIS_RULES,
    retention.Rule("delivery_attempts (message + 365 d)", _attempts_of_old_messages),
    retention.older_than(MESSAGES, "created_at", MESSAGES_KEPT, _done),
)
