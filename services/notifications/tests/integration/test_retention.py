"""What notifications keeps, and for how long: messages of closed accounts, old messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.base import example

ADDRESS = "camille.martin@example.org"  # the address of the accounts golden examples


def rows(engine, query, **params):
    with engine.begin() as connection:
        result = connection.execute(text(query), params)
        return result.mappings().all() if result.returns_rows else None


def golden(name: str, **changes) -> dict:
    return {**example(name), "event_id": str(uuid.uuid4()), **changes}


def handled(engine, dispatch, name: str, **changes) -> dict:
    """Dispatch an accounts event and wait until the service has handled it."""
    event = golden(name, **changes)
    dispatch(name, event, source="accounts")
    query = "SELECT count(*) AS n FROM processed_events WHERE event_id = :event_id"
    wait_until(lambda: rows(engine, query, event_id=event["event_id"])[0]["n"] == 1, message=name)
    return event


def test_fermeture_efface_l_adresse_des_messages_et_abandonne_ceux_en_attente(
    container, engine, dispatch
):
    registered = handled(engine, dispatch, "account_registered")
    handled(engine, dispatch, "password_changed")  # no SMTP server: it stays pending
    rows(
        engine,
        "UPDATE outgoing_messages SET status = 'sent', sent_at = now() WHERE source_event_id = :id",
        id=registered["event_id"],
    )
    handled(engine, dispatch, "account_closed")

    messages = rows(
        engine, "SELECT template, recipient, text_body, html_body FROM outgoing_messages"
    )
    assert [dict(m) for m in messages] == [
        {"template": "account_registered", "recipient": "", "text_body": "", "html_body": ""}
    ]
    assert rows(engine, "SELECT email FROM contacts") == [{"email": None}]
    mentions = (
        "SELECT count(*) AS n FROM delivery_attempts WHERE error LIKE :like"
        " UNION ALL SELECT count(*) FROM outbox_events WHERE payload::text LIKE :like"
    )
    assert [row["n"] for row in rows(engine, mentions, like=f"%{ADDRESS}%")] == [0, 0]


def test_purge_efface_les_messages_d_il_y_a_plus_d_un_an_sauf_en_attente(
    container, engine, dispatch
):
    old_sent = handled(engine, dispatch, "account_registered")
    old_pending = handled(engine, dispatch, "password_changed")
    recent_sent = handled(engine, dispatch, "password_reset_requested")
    a_year_ago = datetime.now(UTC) - timedelta(days=366)
    for event, status, created in (
        (old_sent, "sent", a_year_ago),
        (old_pending, "pending", a_year_ago),
        (recent_sent, "sent", datetime.now(UTC)),
    ):
        rows(
            engine,
            "UPDATE outgoing_messages SET status = :status, created_at = :created,"
            " next_attempt_at = now() + interval '1 hour' WHERE source_event_id = :id",
            status=status,
            created=created,
            id=event["event_id"],
        )
    assert rows(engine, "SELECT count(*) AS n FROM delivery_attempts")[0]["n"] > 0

    call(container, "purge_expired_data")

    kept = rows(engine, "SELECT template FROM outgoing_messages ORDER BY id")
    assert [row["template"] for row in kept] == ["password_changed", "password_reset"]
    orphans = (
        "SELECT count(*) AS n FROM delivery_attempts WHERE message_id NOT IN"
        " (SELECT id FROM outgoing_messages)"
    )
    assert rows(engine, orphans)[0]["n"] == 0
