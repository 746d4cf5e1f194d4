"""État-civil requests submitted, followed and processed through the real service, database
and broker."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from chassis.testing.fixtures import wait_until
from chassis.testing.forgery import forged_callers, try_forgeries
from chassis.testing.services import call
from contracts.base import example
from contracts.demarche_rules import NOT_ENTITLED
from contracts.errors import Conflict, Forbidden, Invalid, NotFound

CITIZEN = example("caller")
AGENT = {"account_id": "agent-ec", "roles": ["agent_etat_civil"], "family_id": None}
OTHER_AGENT = {"account_id": "agent-ep", "roles": ["agent_espace_public"], "family_id": None}


def rows(engine, query, **params):
    with engine.connect() as connection:
        return connection.execute(text(query), params).mappings().all()


def submit(container, **changes):
    payload = example("submit_demarche")
    return call(
        container,
        "submit_demarche",
        CITIZEN,
        {**payload, "fields": {**payload["fields"], **changes}},
    )


def test_demande_d_acte_numerotee_suivie_et_annoncee(container, events):
    first, second = submit(container), submit(container)
    assert first["tracking_number"].startswith("ECV-")
    assert int(second["tracking_number"][-6:]) == int(first["tracking_number"][-6:]) + 1
    assert (first["status"], first["fields"]["date_acte"]) == ("deposee", "1990-04-12")
    event_type, payload = events.next()
    assert event_type == "demarche_submitted"
    assert (payload["tracking_number"], payload["notify"]) == (first["tracking_number"], True)
    number, key = first["tracking_number"], first["tracking_key"]
    tracked = call(container, "get_tracked_demarche", CITIZEN, number, key)
    assert tracked["demarche_title"] == "Demander une copie d'acte d'état civil"
    assert "email" not in tracked and "tracking_key" not in tracked
    with pytest.raises(NotFound):
        call(container, "get_tracked_demarche", CITIZEN, number, "mauvaise-cle")


def test_copie_integrale_refusee_sans_lien_avec_la_personne(container):
    with pytest.raises(Invalid) as refused:
        submit(container, copie="integrale", lien="autre")
    assert refused.value.fields == {"lien": [NOT_ENTITLED]}
    assert submit(container, copie="extrait_sans_filiation", lien="autre")["status"] == "deposee"


def test_agent_etat_civil_traite_jusqu_a_l_envoi(container, events):
    request = submit(container)
    events.next()
    listed = call(container, "list_demarche_requests", AGENT, "acte_etat_civil")
    assert [item["id"] for item in listed["items"]] == [request["id"]]
    seen = call(container, "get_demarche_request", AGENT, request["id"])
    assert (seen["email"], seen["next_statuses"]) == (
        "camille.martin@example.org",
        ["en_attente", "en_cours", "recue", "rejetee"],
    )
    changed = call(
        container,
        "change_demarche_status",
        AGENT,
        request["id"],
        {"status": "en_cours", "comment": "Votre demande est en cours."},
    )
    assert changed["next_statuses"] == ["delivree", "en_attente", "rejetee"]
    event_type, payload = events.next()
    assert (event_type, payload["previous_status"], payload["status"]) == (
        "demarche_status_changed",
        "deposee",
        "en_cours",
    )
    sent = call(container, "change_demarche_status", AGENT, request["id"], {"status": "delivree"})
    assert [step["status"] for step in sent["history"]] == ["deposee", "en_cours", "delivree"]
    assert (sent["status_label"], sent["next_statuses"]) == (
        "Copie envoyée par courrier",
        ["close"],
    )
    event_type, payload = events.next()
    assert (payload["status"], payload["notify"]) == ("delivree", True)
    with pytest.raises(Conflict):
        call(container, "change_demarche_status", AGENT, request["id"], {"status": "en_cours"})


def test_rejet_exige_un_motif(container):
    request = submit(container)
    with pytest.raises(Invalid) as refused:
        call(container, "change_demarche_status", AGENT, request["id"], {"status": "rejetee"})
    assert list(refused.value.fields) == ["comment"]
    reason = "Aucun acte à ce nom dans notre commune."
    rejected = call(
        container,
        "change_demarche_status",
        AGENT,
        request["id"],
        {"status": "rejetee", "comment": reason},
    )
    assert (rejected["status_label"], rejected["history"][-1]["comment"]) == ("Rejetée", reason)


def test_le_demandeur_d_une_copie_repond_quand_elle_est_en_attente(container, events):
    request = submit(container)
    number, key = request["tracking_number"], request["tracking_key"]
    asked = {"status": "en_attente", "comment": "Précisez le nom d'usage de la personne."}
    call(container, "change_demarche_status", AGENT, request["id"], asked)
    tracked = call(container, "get_tracked_demarche", CITIZEN, number, key)
    assert (tracked["status_label"], tracked["history"][-1]["comment"]) == (
        "En attente de votre réponse",
        asked["comment"],
    )
    answered = call(container, "answer_demarche", CITIZEN, number, key, {"message": "Dupont."})
    assert (answered["status"], answered["history"][-1]["by_requester"]) == ("en_cours", True)
    statuses = []
    while statuses[-2:] != ["en_attente", "en_cours"]:
        event = events.next_of("demarche_status_changed")
        if event["tracking_number"] == number:
            statuses.append(event["status"])


def test_un_agent_d_un_autre_role_ne_voit_ni_ne_traite(container):
    request = submit(container)
    for caller in (OTHER_AGENT, CITIZEN):
        with pytest.raises(Forbidden):
            call(container, "list_demarche_requests", caller, "acte_etat_civil")
        with pytest.raises(Forbidden):
            call(container, "get_demarche_request", caller, request["id"])
        with pytest.raises(Forbidden):
            call(container, "change_demarche_status", caller, request["id"], {"status": "en_cours"})
    with pytest.raises(NotFound):
        call(container, "list_demarche_requests", AGENT, "inconnue")


def test_compte_ferme_oublie_l_adresse_de_ses_demandes(container, engine, dispatch):
    camille = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
    payload = example("submit_demarche")
    mine = call(container, "submit_demarche", camille, payload)
    [entry] = call(container, "list_account_requests", camille)
    assert (entry["reference"], entry["kind"], entry["status_label"]) == (
        mine["tracking_number"],
        "acte_etat_civil",
        "Déposée",
    )
    assert entry["path"] == f"/demarches/suivi/{mine['tracking_number']}?cle={mine['tracking_key']}"
    kept = submit(container)
    closure = {**example("account_closed"), "event_id": str(uuid.uuid4())}
    closure["account_id"] = camille["account_id"]
    dispatch("accounts", "account_closed", closure)
    query = "SELECT count(*) AS n FROM processed_events WHERE event_id = :event_id"
    wait_until(
        lambda: rows(engine, query, event_id=closure["event_id"])[0]["n"] == 1,
        message="the closure",
    )
    forgotten = call(container, "get_demarche_request", AGENT, mine["id"])
    assert (forgotten["email"], forgotten["account_id"], forgotten["fields"]["email"]) == (
        "",
        None,
        "",
    )
    assert forgotten["fields"]["nom"] == "Martin"
    assert call(container, "get_demarche_request", AGENT, kept["id"])["email"]


def test_liste_des_demandes_refuse_les_appelants_falsifies(container, amqp_uri):
    method = "list_demarche_requests"
    refused, answer = try_forgeries(amqp_uri, "requests", method, AGENT, "acte_etat_civil")
    assert refused == set(forged_callers("requests", method, AGENT))
    assert answer["items"] == []
