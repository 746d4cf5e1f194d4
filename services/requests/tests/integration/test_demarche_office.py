"""The agents' back office through the real service, database and broker: a queue per role
with filters, search and pages, assignment, export, and the log of état-civil views. One
service and one database for the module."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine, text

from chassis.testing.services import call, service_config
from chassis.types import utcnow
from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from requests_service.demarche_domain import paris_day
from requests_service.service import RequestsService

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
CITIZEN = {"account_id": None, "roles": [], "family_id": None}
ETAT_CIVIL = {"account_id": "agent-ec", "roles": ["agent_etat_civil"], "family_id": None}
VIE_PRATIQUE = {"account_id": "agent-vp", "roles": ["agent_vie_pratique"], "family_id": None}
ADMIN = {"account_id": "admin-1", "roles": ["admin"], "family_id": None}


@pytest.fixture(scope="module")
def database_url(postgres_database):
    return postgres_database("requests", ALEMBIC_INI)


@pytest.fixture(scope="module")
def container(amqp_uri, database_url):
    container = ServiceContainer(RequestsService, service_config(amqp_uri, database_url))
    container.start()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def requests(container, database_url):
    """Two copies of acts, a livret (submitted 40 days ago, so late) and an arrêté."""
    acte = example("submit_demarche")
    martin = call(container, "submit_demarche", CITIZEN, acte)
    durand = {**acte["fields"], "nom": "Durand", "adresse": "5 rue 100% Pasteur"}
    durand = call(container, "submit_demarche", CITIZEN, {**acte, "fields": durand})
    livret = {"motif": "perte", "titulaire_1": "Lou Bernard", "demandeur": "Lou Bernard",
              "adresse": "1 quai Clemenceau", "code_postal": "69300",
              "commune": "Caluire-et-Cuire", "email": "lou@example.org"}  # fmt: skip
    livret = call(container, "submit_demarche", CITIZEN, {"demarche": "livret_famille",
                                                          "fields": livret})  # fmt: skip
    start = paris_day(utcnow()) + timedelta(days=12)
    move = {"adresse": "3 place Jules Ferry", "date_debut": start.isoformat(),
            "date_fin": start.isoformat(), "longueur": "10", "vehicule": "camion",
            "demandeur": "Dominique Durand", "email": "dominique@example.org"}  # fmt: skip
    move = call(container, "submit_demarche", CITIZEN, {"demarche": "arrete_stationnement",
                                                        "fields": move})  # fmt: skip
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE demarche_requests SET submitted_at = now() - interval '40 days'"
                 " WHERE id = :id"),
            {"id": livret["id"]},
        )  # fmt: skip
    engine.dispose()
    return {"martin": martin, "durand": durand, "livret": livret, "move": move}


def numbers(page: dict) -> list[str]:
    return [item["tracking_number"] for item in page["items"]]


def search(container, caller, **filters):
    return call(container, "search_demarche_requests", caller, filters)


def test_file_par_role_la_plus_ancienne_d_abord(container, requests):
    queue = search(container, ETAT_CIVIL)
    expected = [requests[name]["tracking_number"] for name in ("livret", "martin", "durand")]
    assert numbers(queue) == expected
    assert [item["overdue"] for item in queue["items"]] == [True, False, False]
    assert numbers(search(container, VIE_PRATIQUE)) == [requests["move"]["tracking_number"]]
    with pytest.raises(Forbidden):
        search(container, ETAT_CIVIL, demarche="arrete_stationnement")
    with pytest.raises(Forbidden):
        search(container, CITIZEN)
    assert search(container, ADMIN)["total"] == 4


def test_filtres_statut_demarche_date_et_retard(container, requests):
    late = search(container, ETAT_CIVIL, overdue=True)
    assert numbers(late) == [requests["livret"]["tracking_number"]]
    only = search(container, ETAT_CIVIL, demarche="acte_etat_civil", status="deposee")
    assert only["total"] == 2
    today = paris_day(utcnow()).isoformat()
    assert search(container, ETAT_CIVIL, submitted_from=today)["total"] == 2
    assert search(container, ETAT_CIVIL, submitted_to=today)["total"] == 3
    with pytest.raises(Invalid):
        search(container, ETAT_CIVIL, status="inconnu")
    page = call(container, "search_demarche_requests", ETAT_CIVIL, {}, 2, 2)
    assert (page["pages"], numbers(page)) == (2, [requests["durand"]["tracking_number"]])


def test_recherche_par_numero_nom_ou_adresse(container, requests):
    durand = requests["durand"]["tracking_number"]
    assert numbers(search(container, ETAT_CIVIL, search=durand.lower())) == [durand]
    assert numbers(search(container, ETAT_CIVIL, search="durand")) == [durand]
    assert numbers(search(container, ETAT_CIVIL, search="100% past")) == [durand]
    assert numbers(search(container, ETAT_CIVIL, search="%")) == [durand]
    assert search(container, ETAT_CIVIL, search="adresse")["total"] == 0  # a name, not a value
    lou = search(container, ETAT_CIVIL, search="Quai Clemenceau")
    assert numbers(lou) == [requests["livret"]["tracking_number"]]


def test_attribution_a_soi_puis_liberee(container, requests):
    request_id = requests["martin"]["id"]
    taken = call(
        container,
        "assign_demarche_request",
        ETAT_CIVIL,
        request_id,
        {"assignee": "moi", "assignee_name": "Sacha État civil"},
    )
    assert (taken["assigned_to"], taken["assigned_name"]) == ("agent-ec", "Sacha État civil")
    assert numbers(search(container, ETAT_CIVIL, assigned="moi")) == [
        requests["martin"]["tracking_number"]
    ]
    assert search(container, ETAT_CIVIL, assigned="personne")["total"] == 2
    with pytest.raises(Forbidden):
        call(container, "assign_demarche_request", VIE_PRATIQUE, request_id, {"assignee": "moi"})
    freed = call(
        container, "assign_demarche_request", ETAT_CIVIL, request_id, {"assignee": "personne"}
    )
    assert (freed["assigned_to"], freed["assigned_name"]) == (None, "")


def test_attribution_a_un_collegue_nomme_et_file_de_cet_agent(container, requests):
    request_id = requests["durand"]["id"]
    given = {"assignee": "agent", "agent_id": "agent-ec-2", "assignee_name": "Alix Registre",
             "demarche": "acte_etat_civil"}  # fmt: skip
    with pytest.raises(Invalid) as unnamed:
        call(container, "assign_demarche_request", ETAT_CIVIL, request_id, {"assignee": "agent"})
    assert list(unnamed.value.fields) == ["agent_id"]
    with pytest.raises(Forbidden):
        call(container, "assign_demarche_request", VIE_PRATIQUE, request_id, given)
    with pytest.raises(Forbidden):
        call(container, "assign_demarche_request", CITIZEN, request_id, given)
    with pytest.raises(Conflict):  # a colleague checked for another démarche's role
        call(container, "assign_demarche_request", ADMIN, request_id,
             {**given, "demarche": "arrete_stationnement"})  # fmt: skip
    assigned = call(container, "assign_demarche_request", ADMIN, request_id, given)
    assert (assigned["assigned_to"], assigned["assigned_name"]) == ("agent-ec-2", "Alix Registre")
    durand = requests["durand"]["tracking_number"]
    assert numbers(search(container, ETAT_CIVIL, assigned_to="agent-ec-2")) == [durand]
    assert numbers(search(container, VIE_PRATIQUE, assigned_to="agent-ec-2")) == []
    call(container, "assign_demarche_request", ETAT_CIVIL, request_id, {"assignee": "personne"})
    assert search(container, ETAT_CIVIL, assigned_to="agent-ec-2")["total"] == 0


def test_export_de_la_liste_filtree(container, requests):
    export = call(container, "export_demarche_requests", ETAT_CIVIL, {"search": "durand"})
    [row] = export["rows"]
    assert (row["tracking_number"], row["fields"]["nom"], export["truncated"]) == (
        requests["durand"]["tracking_number"],
        "Durand",
        False,
    )
    assert row["email"] == "camille.martin@example.org" and "history" not in row


def test_chaque_consultation_d_etat_civil_journalisee(container, requests):
    call(container, "get_demarche_request", ETAT_CIVIL, requests["durand"]["id"])
    call(container, "get_demarche_request", VIE_PRATIQUE, requests["move"]["id"])
    log = call(container, "list_demarche_views", ADMIN)
    assert [(e["agent_id"], e["tracking_number"]) for e in log["items"]] == [
        ("agent-ec", requests["durand"]["tracking_number"])
    ]
    with pytest.raises(Forbidden):
        call(container, "list_demarche_views", ETAT_CIVIL)


ESPACE_PUBLIC = {"account_id": "agent-ep", "roles": ["agent_espace_public"], "family_id": None}


def test_changement_de_statut_groupe_des_signalements_tout_ou_rien(container):
    first, second, third = (
        call(container, "submit_report", CITIZEN, example("submit_report")) for _ in range(3)
    )
    ids = [first["id"], second["id"]]
    bulk = {"report_ids": ids, "status": "en_cours", "comment": "Équipe envoyée."}
    with pytest.raises(Forbidden):
        call(container, "change_report_statuses", ETAT_CIVIL, bulk)
    done = call(container, "change_report_statuses", ESPACE_PUBLIC, bulk)
    assert done["changed"] == [first["tracking_number"], second["tracking_number"]]
    for report_id in ids:
        report = call(container, "get_report", ESPACE_PUBLIC, report_id)
        assert (report["status"], report["history"][-1]["comment"]) == (
            "en_cours",
            "Équipe envoyée.",
        )
    rejected = {"status": "rejete", "comment": "Doublon."}
    call(container, "change_report_status", ESPACE_PUBLIC, third["id"], rejected)
    again = {"report_ids": [third["id"], first["id"]], "status": "resolu"}
    with pytest.raises(Conflict) as refused:
        call(container, "change_report_statuses", ESPACE_PUBLIC, again)
    assert refused.value.message.startswith(
        f"Aucun signalement modifié. {third['tracking_number']}"
    )
    assert call(container, "get_report", ESPACE_PUBLIC, first["id"])["status"] == "en_cours"
    with pytest.raises(Invalid):
        call(
            container,
            "change_report_statuses",
            ESPACE_PUBLIC,
            {"report_ids": [], "status": "en_cours"},
        )


def test_un_signalement_s_attribue_depuis_sa_page_et_apparait_dans_la_file_de_l_agent(
    container,
):
    report = call(container, "submit_report", CITIZEN, example("submit_report"))
    taken = call(container, "assign_report", ESPACE_PUBLIC, report["id"],
                 {"assignee": "moi", "assignee_name": "Camille Voirie"})  # fmt: skip
    assert (taken["assigned_to"], taken["assigned_name"]) == ("agent-ep", "Camille Voirie")
    mine = search(container, ESPACE_PUBLIC, assigned="moi")
    assert report["tracking_number"] in numbers(mine)
    given = {"assignee": "agent", "agent_id": "agent-ep-2", "assignee_name": "Noa Voirie",
             "demarche": "espace_public"}  # fmt: skip
    with pytest.raises(Forbidden):  # another role's agent
        call(container, "assign_report", ETAT_CIVIL, report["id"], given)
    with pytest.raises(Conflict):  # a colleague checked for another démarche's role
        call(container, "assign_report", ESPACE_PUBLIC, report["id"],
             {**given, "demarche": "acte_etat_civil"})  # fmt: skip
    handed = call(container, "assign_report", ESPACE_PUBLIC, report["id"], given)
    assert call(container, "get_report", ESPACE_PUBLIC, report["id"])["assigned_name"] == (
        "Noa Voirie"
    )
    assert handed["assigned_to"] == "agent-ep-2"
    queue = search(container, ESPACE_PUBLIC, assigned_to="agent-ep-2")
    assert numbers(queue) == [report["tracking_number"]]
    freed = call(container, "assign_report", ESPACE_PUBLIC, report["id"], {"assignee": "personne"})
    assert (freed["assigned_to"], freed["assigned_name"]) == (None, "")


def test_lecture_publique_des_signalements_sans_donnees_personnelles(container):
    report = call(container, "submit_report", CITIZEN, example("submit_report"))
    rejected = {"status": "rejete", "comment": "Pas sur la voie publique."}
    call(container, "change_report_status", ESPACE_PUBLIC, report["id"], rejected)
    everyone = {"account_id": None, "roles": [], "family_id": None}
    found = call(container, "list_public_reports", everyone, {})
    mine = next(r for r in found if r["tracking_number"] == report["tracking_number"])
    assert (mine["status"], mine["status_notes"]) == ("closed", "Pas sur la voie publique.")
    assert "email" not in mine and "description" not in mine and mine["expected_at"]
    by_number = {"tracking_numbers": [report["tracking_number"]], "status": "closed"}
    assert len(call(container, "list_public_reports", everyone, by_number)) == 1
    assert call(container, "list_public_reports", everyone, {**by_number, "status": "open"}) == []
    too_wide = {"start": "2026-01-01T00:00:00+00:00", "end": "2026-06-01T00:00:00+00:00"}
    with pytest.raises(Invalid):
        call(container, "list_public_reports", everyone, too_wide)


def test_l_auteur_rouvre_un_signalement_resolu_dans_les_30_jours(container, database_url):
    fixed, old = (
        call(container, "submit_report", CITIZEN, example("submit_report")) for _ in range(2)
    )
    for report in (fixed, old):
        call(container, "change_report_status", ESPACE_PUBLIC, report["id"], {"status": "resolu"})
    reason = {"reason": "Le trou est revenu après la pluie."}
    number, key = fixed["tracking_number"], fixed["tracking_key"]
    tracked = call(container, "get_tracked_report", CITIZEN, number, key)
    assert tracked["reopenable_until"]
    submitted = paris_day(datetime.fromisoformat(tracked["submitted_at"]))
    assert tracked["expected_by"] == (submitted + timedelta(days=7)).isoformat()  # éclairage
    reopened = call(container, "reopen_report", CITIZEN, number, key, reason)
    assert (reopened["status"], reopened["history"][-1]["comment"]) == (
        "en_cours",
        "Rouvert par l'auteur : Le trou est revenu après la pluie.",
    )
    assert reopened["reopenable_until"] is None
    with pytest.raises(Conflict):
        call(container, "reopen_report", CITIZEN, number, key, reason)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE demarche_requests SET updated_at = now() - interval '31 days' WHERE id = :id"
            ),
            {"id": old["id"]},
        )
    engine.dispose()
    with pytest.raises(Conflict):
        call(
            container, "reopen_report", CITIZEN, old["tracking_number"], old["tracking_key"], reason
        )


def test_les_signalements_sont_dans_la_file_de_leur_role(container, database_url, requests):
    place = {"address": "7 montée des Forts", "latitude": None, "longitude": None}
    light = {**example("submit_report"), **place}  # éclairage: expected in 7 days
    road = {**light, "category": "voirie"}  # voirie: in 15 days
    light, road = (call(container, "submit_report", CITIZEN, r) for r in (light, road))
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE demarche_requests SET submitted_at = now() - interval '10 days'"
                 " WHERE id IN (:a, :b)"),
            {"a": light["id"], "b": road["id"]},
        )  # fmt: skip
    engine.dispose()
    queue = search(container, ESPACE_PUBLIC, search="montée des forts")
    assert numbers(queue) == [light["tracking_number"], road["tracking_number"]]
    item = queue["items"][0]
    assert (item["demarche"], item["status_label"]) == ("espace_public", "Nouveau")
    assert item["fields"]["address"] == "7 montée des Forts" and item["overdue"]
    assert [step["status"] for step in item["history"]] == ["nouveau"]
    late = search(container, ESPACE_PUBLIC, overdue=True, search="montée des forts")
    assert numbers(late) == [light["tracking_number"]]
    done = {"status": "resolu", "comment": "Ampoule changée."}
    call(container, "change_report_status", ESPACE_PUBLIC, light["id"], done)
    assert numbers(search(container, ESPACE_PUBLIC, overdue=True, search="forts")) == []
    assert search(container, ESPACE_PUBLIC, demarche="espace_public")["total"] >= 2
    assert light["tracking_number"] not in numbers(search(container, ETAT_CIVIL))
    with pytest.raises(Forbidden):
        search(container, ETAT_CIVIL, demarche="espace_public")
    both = search(container, ADMIN, search="forts")["items"]
    assert [(item["tracking_number"], item["overdue"]) for item in both] == [
        (light["tracking_number"], False),
        (road["tracking_number"], False),
    ]
    export = call(container, "export_demarche_requests", ESPACE_PUBLIC, {"search": "forts"})
    assert [row["fields"]["category"] for row in export["rows"]] == ["eclairage_public", "voirie"]
    with pytest.raises(NotFound):  # reports keep their own agent pages and actions
        call(container, "get_demarche_request", ADMIN, light["id"])
