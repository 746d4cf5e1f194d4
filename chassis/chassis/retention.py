"""Data kept only as long as needed: scheduled purges, redaction of published events, forgetting.

    class NotificationsService(health.Health, retention.Retention):
        name = "notifications"
        db = Database(Base)
        retention_rules = (*retention.CHASSIS_RULES, older_than("outgoing_messages", ...))

Three tools, whose periods are listed and justified in ``docs/design.md`` ("Retention"):

- ``Retention`` is a mixin whose hourly timer deletes what its rules say is too old: published
  outbox rows, processed-event ids, dead letters (``CHASSIS_RULES``) and the service's own rows.
  One replica purges at a time (a PostgreSQL advisory lock, taken without waiting: the others
  skip that tick), and a delete of old rows is harmless to repeat anyway.
- ``redact`` empties the fields an event declares as ``redacted_once_published`` (tokens, free
  text, addresses): the outbox relay stores that version of a row once it is published, so the
  copy kept for operators holds ids, types and times only.
- ``forget_values`` removes given strings (a closed account's e-mail address) from every
  outbox row and dead letter of the service, pending ones included: the value becomes empty
  (``""``) where it was a whole field, or is cut out of a longer text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nameko.timer import timer
from sqlalchemy import Delete, MetaData, Text, cast, delete, or_, select, text
from sqlalchemy.orm import Session

from chassis import tables
from chassis.types import utcnow

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 3600
LOCK_KEY = "chassis.retention.purge"


@dataclass(frozen=True)
class Rule:
    """Rows of one table that have been kept long enough: ``statement(metadata, now)``."""

    name: str
    statement: Callable[[MetaData, datetime], Delete]


def older_than(
    table_name: str, columns: str | tuple[str, ...], keep: timedelta, *conditions
) -> Rule:
    """Rows where one of ``columns`` is more than ``keep`` in the past, and every
    ``condition(table, now)`` holds. A NULL date never matches (that row is not over yet)."""
    names = (columns,) if isinstance(columns, str) else columns

    def statement(metadata: MetaData, now: datetime) -> Delete:
        table = metadata.tables[table_name]
        old = or_(*(table.c[name] < now - keep for name in names))
        return delete(table).where(old, *(condition(table, now) for condition in conditions))

    return Rule(f"{table_name} ({' or '.join(names)} + {keep.days} d)", statement)


PUBLISHED_EVENTS_KEPT = timedelta(days=7)
PROCESSED_EVENTS_KEPT = timedelta(days=30)
DEAD_LETTERS_KEPT = timedelta(days=90)

THROTTLES_KEPT = timedelta(days=1)


def _not_blocking(table, now: datetime):
    return or_(table.c.blocked_until.is_(None), table.c.blocked_until < now)


def throttle_rule(table_name: str) -> Rule:
    """Rate-limit counters (``chassis.throttle``) one day after their window opened, once they
    block nothing: the longest window is one hour."""
    return older_than(table_name, "window_start", THROTTLES_KEPT, _not_blocking)


CHASSIS_RULES = (
    older_than(tables.OUTBOX, "published_at", PUBLISHED_EVENTS_KEPT),
    older_than(tables.PROCESSED, "processed_at", PROCESSED_EVENTS_KEPT),
    older_than(tables.DEAD_LETTERS, "failed_at", DEAD_LETTERS_KEPT),
)


def purge(sessions, rules: Iterable[Rule], now: datetime | None = None) -> dict[str, int] | None:
    """Apply ``rules`` in one transaction; rows deleted per rule, None if another replica is
    purging right now."""
    now = now or utcnow()
    with sessions.session() as session:
        if not _try_lock(session):
            return None
        counts = {}
        for rule in rules:
            counts[rule.name] = session.execute(rule.statement(sessions.metadata, now)).rowcount
    deleted = {name: count for name, count in counts.items() if count}
    if deleted:
        log.info("retention: deleted %s", deleted)
    return counts


def _try_lock(session: Session) -> bool:
    query = text("SELECT pg_try_advisory_xact_lock(hashtext(:key))")
    return bool(session.execute(query, {"key": LOCK_KEY}).scalar())


class Retention:
    """Mixin: an hourly ``purge_expired_data`` timer applying the class's ``retention_rules``.

    Import the module (``from chassis import retention``) rather than the class, so that
    ``nameko run`` does not take the mixin for a service of its own.
    """

    retention_rules: tuple[Rule, ...] = CHASSIS_RULES

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_expired_data(self) -> dict[str, int] | None:
        return purge(self.db, self.retention_rules)


def redact(payload: dict, fields: Iterable[str]) -> dict:
    """A copy of ``payload`` whose ``fields`` are emptied (``""`` for text, else None)."""
    redacted = dict(payload)
    for name in fields:
        if name in redacted:
            redacted[name] = "" if isinstance(redacted[name], str) else None
    return redacted


def forget_values(session: Session, metadata: MetaData, values: Iterable[str]) -> int:
    """Remove ``values`` from the outbox rows and dead letters; returns how many rows changed."""
    needles = sorted({value for value in values if value})
    if not needles:
        return 0
    changed = 0
    for name, columns in (
        (tables.OUTBOX, ("payload",)),
        (tables.DEAD_LETTERS, ("payload", "error")),
    ):
        table = tables.table(metadata, name)
        mentions = or_(
            *(
                cast(table.c[column], Text).contains(form)
                for column in columns
                for needle in needles
                for form in {needle, json.dumps(needle)[1:-1]}
            )
        )
        for row in session.execute(select(table).where(mentions)).all():
            values_of_row = {column: _without(getattr(row, column), needles) for column in columns}
            session.execute(table.update().where(table.c.id == row.id).values(**values_of_row))
            changed += 1
    return changed


def _without(value: Any, needles: list[str]) -> Any:
    """``value`` (JSON-like) with every needle cut out of its strings."""
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, "")
        return value
    if isinstance(value, dict):
        return {key: _without(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, needles) for item in value]
    return value
