"""Reports of an account: listed in its "Mon espace", anonymized when the account is closed."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.services import call
from contracts.base import example
from contracts.errors import Forbidden

CAMILLE = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
DOMINIQUE = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
AGENT = {"account_id": "agent-1", "roles": ["agent_espace_public"], "family_id": None}


def submit(container, caller, **changes):
    return call(container, "submit_report", caller, {**example("submit_report"), **changes})


def rows(engine, query, **params):
    with engine.connect() as connection:
        return connection.execute(text(query), params).mappings().all()


def test_signalement_connecte_est_rattache_au_compte(container, events):
    report = submit(container, CAMILLE)
    event_type, payload = events.next()
    assert (event_type, payload["account_id"]) == ("report_submitted", CAMILLE["account_id"])
    assert call(container, "get_report", AGENT, report["id"])["email"] == (
        "camille.martin@example.org"
    )


def test_espace_ne_liste_que_les_signalements_du_compte_le_plus_recent_d_abord(container):
    first = submit(container, CAMILLE, address="1 rue Pasteur, Caluire-et-Cuire")
    submit(container, DOMINIQUE)
    submit(container, example("caller"))
    second = submit(container, CAMILLE, category="tags")
    entries = call(container, "list_account_requests", CAMILLE)
    assert [e["reference"] for e in entries] == [
        second["tracking_number"],
        first["tracking_number"],
    ]
    latest = entries[0]
    assert latest["path"] == f"/suivi/{second['tracking_number']}?cle={second['tracking_key']}"
    assert latest["title"] == f"Tags et graffitis – {second['address']}"
    assert (latest["service"], latest["kind"], latest["status_label"]) == (
        "requests",
        "signalement",
        "Nouveau",
    )
    assert len(call(container, "list_account_requests", DOMINIQUE)) == 1


@pytest.mark.parametrize("caller", [example("caller"), None, "compte-1"])
def test_espace_refuse_sans_compte(container, caller):
    with pytest.raises(Forbidden):
        call(container, "list_account_requests", caller)


def test_compte_ferme_anonymise_ses_signalements_et_garde_l_historique(
    container, engine, events, dispatch
):
    closed_one = submit(container, CAMILLE)
    call(container, "change_report_status", AGENT, closed_one["id"], {"status": "en_cours"})
    kept = submit(container, DOMINIQUE)
    closure = {**example("account_closed"), "event_id": str(uuid.uuid4())}
    closure["account_id"] = CAMILLE["account_id"]
    dispatch("accounts", "account_closed", closure)
    dispatch("accounts", "account_closed", closure)
    query = "SELECT count(*) AS n FROM processed_events WHERE event_id = :event_id"
    wait_until(
        lambda: rows(engine, query, event_id=closure["event_id"])[0]["n"] == 1,
        message="the closure",
    )
    time.sleep(1)
    reports = rows(
        engine,
        "SELECT id, email, account_id FROM demarche_requests JOIN reports USING (id) ORDER BY id",
    )
    assert [(r["email"], r["account_id"]) for r in reports] == [
        ("", None),
        ("camille.martin@example.org", DOMINIQUE["account_id"]),
    ]
    assert call(container, "list_account_requests", CAMILLE) == []
    anonymized = call(container, "get_report", AGENT, closed_one["id"])
    assert anonymized["email"] == ""
    assert [step["status"] for step in anonymized["history"]] == ["nouveau", "en_cours"]
    assert call(container, "get_report", AGENT, kept["id"])["email"]
    done = call(container, "change_report_status", AGENT, closed_one["id"], {"status": "resolu"})
    assert done["status"] == "resolu"
    last = [events.next() for _ in range(4)][-1]
    assert (last[0], last[1]["email"], last[1]["account_id"]) == ("report_status_changed", "", None)
