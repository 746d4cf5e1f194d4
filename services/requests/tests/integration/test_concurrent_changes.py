"""Two agents change the same report at the same moment: one change, one clear conflict."""

from __future__ import annotations

import eventlet
from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.base import example
from contracts.errors import Conflict

AGENTS = [
    {"account_id": f"agent-{n}", "roles": ["agent_espace_public"], "family_id": None}
    for n in (1, 2)
]
WAITING_ON_A_LOCK = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def waiting_on_a_lock(engine) -> int:
    with engine.connect() as connection:  # a new transaction: a fresh view of the activity
        return connection.execute(text(WAITING_ON_A_LOCK)).scalar_one()


def change(container, agent: dict, report_id: int, status: str):
    """The agent's change: the report as the service answered, or the Conflict raised."""
    try:
        return call(container, "change_report_status", agent, report_id, {"status": status})
    except Conflict as conflict:
        return conflict


def test_deux_agents_changent_le_meme_signalement_un_seul_change(container, engine, events):
    report = call(container, "submit_report", example("caller"), example("submit_report"))
    with engine.connect() as holder:
        # Both changes start while the row is held, so both read it before either commits.
        holder.execute(
            text("SELECT id FROM reports WHERE id = :id FOR UPDATE"), {"id": report["id"]}
        )
        attempts = [
            eventlet.spawn(change, container, agent, report["id"], status)
            for agent, status in zip(AGENTS, ("rejete", "resolu"), strict=True)
        ]
        wait_until(lambda: waiting_on_a_lock(engine) == 2, message="both changes waiting")
        holder.rollback()
    outcomes = [attempt.wait() for attempt in attempts]

    [changed] = [o for o in outcomes if isinstance(o, dict)]
    [conflict] = [o for o in outcomes if isinstance(o, Conflict)]
    assert "ne peut pas passer" in conflict.message
    assert [step["status"] for step in changed["history"]] == ["nouveau", changed["status"]]
    stored = call(container, "get_report", AGENTS[0], report["id"])
    assert stored["status"] == changed["status"]
    assert len(stored["history"]) == 2
    assert events.next()[0] == "report_submitted"
    event_type, payload = events.next()
    assert (event_type, payload["previous_status"]) == ("report_status_changed", "nouveau")
