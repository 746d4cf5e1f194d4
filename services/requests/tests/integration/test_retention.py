"""What requests keeps, and for how long: redacted events, scheduled purges, closed accounts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.base import example
from requests_service.demarche_office import VIEW_LOG_RULE

CAMILLE = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
ADDRESS = "camille.martin@example.org"  # the e-mail of the submit_report example


def rows(engine, query, **params):
    with engine.connect() as connection:
        return connection.execute(text(query), params).mappings().all()


def execute(engine, query, **params):
    with engine.begin() as connection:
        connection.execute(text(query), params)


def add_outbox_row(engine, payload: dict, published_at: datetime | None, created_at: datetime):
    """A row as the relay leaves it; a pending one waits an hour for its next attempt."""
    execute(
        engine,
        "INSERT INTO outbox_events (event_id, event_type, payload, created_at, published_at,"
        " attempts, next_attempt_at)"
        " VALUES (:id, 'report_submitted', :payload, :created, :published, 0, :next)",
        id=str(uuid.uuid4()),
        payload=json.dumps(payload),
        created=created_at,
        published=published_at,
        next=None if published_at else datetime.now(UTC) + timedelta(hours=1),
    )


def test_evenement_publie_ne_garde_ni_cle_ni_texte_libre_ni_adresse(container, engine, events):
    report = call(container, "submit_report", CAMILLE, example("submit_report"))
    _, sent = events.next()
    assert (sent["email"], sent["tracking_key"]) == (ADDRESS, report["tracking_key"])
    query = "SELECT payload FROM outbox_events WHERE published_at IS NOT NULL"
    wait_until(lambda: rows(engine, query), message="the event published")
    (stored,) = [row["payload"] for row in rows(engine, query)]
    assert stored["email"] == stored["tracking_key"] == stored["description"] == ""
    assert stored["address"] == ""
    assert (stored["event_id"], stored["report_id"]) == (sent["event_id"], report["id"])
    assert stored["tracking_number"] == report["tracking_number"]


def test_purge_efface_ce_qui_a_assez_servi_et_garde_le_reste(container, engine, monkeypatch):
    now = datetime.now(UTC)
    execute(
        engine,
        "INSERT INTO demarche_requests (id, demarche, tracking_number, tracking_key, payload,"
        " email, status, submitted_at, updated_at) VALUES (9001, 'acte_etat_civil',"
        " 'ECV-2025-009001', 'k', '{}', '', 'delivree', :at, :at)",
        at=now - timedelta(days=400),
    )
    for age in (366, 364, 40):  # an agent's views of an état-civil request
        execute(
            engine,
            "INSERT INTO demarche_views (request_id, agent_id, viewed_at)"
            " VALUES (9001, 'agent-ec', :at)",
            at=now - timedelta(days=age),
        )
    payload = {"event_id": str(uuid.uuid4())}
    add_outbox_row(engine, payload, now - timedelta(days=8), now - timedelta(days=8))
    add_outbox_row(engine, payload, now - timedelta(days=6), now - timedelta(days=6))
    add_outbox_row(engine, payload, None, now - timedelta(days=20))  # still to publish
    for age in (31, 29):
        execute(
            engine,
            "INSERT INTO processed_events (event_id, event_type, handler, processed_at)"
            " VALUES (:id, 'account_closed', 'requests.on_account_closed', :at)",
            id=str(uuid.uuid4()),
            at=now - timedelta(days=age),
        )
    for age in (91, 89):
        execute(
            engine,
            "INSERT INTO dead_letter_events (source_service, event_type, handler, payload,"
            " error, failed_at) VALUES ('accounts', 'account_closed', 'h', '{}', 'e', :at)",
            at=now - timedelta(days=age),
        )
    for key, window_age, blocked_for in (
        ("report-ip:done", timedelta(days=2), None),  # over and blocking nothing: purged
        ("report-ip:recent", timedelta(hours=2), None),  # kept a day
        ("report-ip:blocked", timedelta(days=2), timedelta(hours=1)),  # still blocks: kept
    ):
        execute(
            engine,
            "INSERT INTO throttles (key, failures, window_start, blocked_until)"
            " VALUES (:key, 3, :start, :until)",
            key=key,
            start=now - window_age,
            until=now + blocked_for if blocked_for else None,
        )
    counts = call(container, "purge_expired_data")
    assert {name.split(" ")[0]: n for name, n in counts.items()} == {
        "outbox_events": 1,
        "processed_events": 1,
        "dead_letter_events": 1,
        "throttles": 1,
        "appointments": 0,
        "appointment_blocks": 0,
        "hall_bookings": 0,
        "appointment_waiting_list": 0,
        "demarche_views": 1,
    }
    kept = rows(engine, "SELECT key FROM throttles WHERE key LIKE 'report-ip:%' ORDER BY key")
    assert [row["key"] for row in kept] == ["report-ip:blocked", "report-ip:recent"]
    outbox = rows(engine, "SELECT published_at FROM outbox_events ORDER BY id")
    assert [row["published_at"] is None for row in outbox] == [False, True]
    assert rows(engine, "SELECT count(*) AS n FROM processed_events")[0]["n"] == 1
    assert rows(engine, "SELECT count(*) AS n FROM dead_letter_events")[0]["n"] == 1
    monkeypatch.setenv("DEMARCHE_VIEWS_KEPT_DAYS", "30")  # read at each purge
    assert call(container, "purge_expired_data")[VIEW_LOG_RULE.name] == 2
    assert rows(engine, "SELECT count(*) AS n FROM demarche_views")[0]["n"] == 0
    assert rows(engine, "SELECT count(*) AS n FROM demarche_requests")[0]["n"] == 1  # kept


def test_fermeture_efface_l_adresse_des_copies_d_evenements(container, engine, dispatch):
    call(container, "submit_report", CAMILLE, example("submit_report"))
    now = datetime.now(UTC)
    add_outbox_row(engine, {"email": ADDRESS, "note": f"écrit par {ADDRESS}"}, None, now)
    execute(
        engine,
        "INSERT INTO dead_letter_events (source_service, event_type, handler, payload, error,"
        " failed_at) VALUES ('accounts', 'x', 'h', :payload, :error, :at)",
        payload=json.dumps({"email": ADDRESS, "account_id": CAMILLE["account_id"]}),
        error=f"ValueError('{ADDRESS}')",
        at=now,
    )
    closure = {**example("account_closed"), "event_id": str(uuid.uuid4())}
    closure.update(account_id=CAMILLE["account_id"], email=ADDRESS)
    dispatch("accounts", "account_closed", closure)
    query = "SELECT count(*) AS n FROM processed_events WHERE event_id = :event_id"
    wait_until(
        lambda: rows(engine, query, event_id=closure["event_id"])[0]["n"] == 1,
        message="the closure",
    )
    mentions = (
        "SELECT (SELECT count(*) FROM outbox_events WHERE payload::text LIKE :like)"
        " + (SELECT count(*) FROM dead_letter_events"
        "    WHERE payload::text LIKE :like OR error LIKE :like)"
        " + (SELECT count(*) FROM demarche_requests WHERE email LIKE :like) AS n"
    )
    assert rows(engine, mentions, like=f"%{ADDRESS}%")[0]["n"] == 0
    pending = rows(engine, "SELECT payload FROM outbox_events WHERE published_at IS NULL")
    assert [row["payload"] for row in pending] == [{"email": "", "note": "écrit par "}]
