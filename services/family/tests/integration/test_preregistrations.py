"""Crèche and school pre-registrations through the family service, on PostgreSQL and RabbitMQ."""

from __future__ import annotations

import base64
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from chassis.testing.services import call
from contracts.base import example
from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from family import preregistration
from family.demo import add_demo_family

AGENT = {"account_id": "agent-simplicite-9", "roles": ["agent_simplicite"], "family_id": None}
IDENTIFIERS = iter(range(5001, 5100))


@pytest.fixture(scope="module")
def container(module_container):
    return module_container


@pytest.fixture(scope="module")
def events(module_events):
    return module_events


@pytest.fixture(scope="module")
def database_url(module_database_url):
    return module_database_url


@pytest.fixture
def family(container, database_url):
    """A demo family (Léa at the École élémentaire Jean Moulin) and a parent linked to it."""
    identifier = str(next(IDENTIFIERS))
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        add_demo_family(session, identifier)
    engine.dispose()
    parent = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": None}
    activation = {"family_id": identifier, "family_name": "Müller", "adult_first_name": "Hélène"}
    call(container, "activate_family", parent, activation)
    return identifier, {**parent, "family_ids": [identifier]}


def next_year(day: str) -> str:
    return day.replace("2027", str(paris_today().year + 1))


def test_une_preinscription_en_creche_passe_par_la_commission(container, events, family):
    family_id, parent = family
    request = {**example("creche_request"), "desired_start": next_year("2027-09-01")}
    submitted = call(container, "submit_creche_preregistration", parent, family_id, request)
    assert submitted["status"] == "deposee" and submitted["reference"].startswith("CRE-")
    assert [c["code"] for c in submitted["creches"]] == ["saint-clair", "montessuy"]
    announced = events.next_of("preregistration_submitted")
    assert (announced["reference"], announced["account_id"]) == (
        submitted["reference"],
        parent["account_id"],
    )

    number = submitted["id"]
    for status in ("en_commission", "place_proposee", "acceptee"):
        change = {"status": status, "comment": f"Étape {status}"}
        moved = call(container, "change_preregistration_status", AGENT, number, change)
        told = events.next_of("preregistration_status_changed")
        assert (told["status"], told["comment"], told["account_id"]) == (
            status,
            f"Étape {status}",
            parent["account_id"],
        )
    assert moved["next_statuses"] == []
    with pytest.raises(Conflict):
        call(container, "change_preregistration_status", AGENT, number, {"status": "refusee"})
    [mine] = call(container, "list_preregistrations", parent, family_id)
    assert [step["status"] for step in mine["history"]] == [
        "deposee",
        "en_commission",
        "place_proposee",
        "acceptee",
    ]
    waiting = call(container, "list_all_preregistrations", AGENT, "creche", "acceptee")
    assert number in [item["id"] for item in waiting]


def test_une_demande_incomplete_ou_d_un_inconnu_est_refusee(container, family):
    family_id, parent = family
    request = {**example("creche_request"), "desired_start": next_year("2027-09-01")}
    with pytest.raises(Invalid) as incomplete:
        call(
            container,
            "submit_creche_preregistration",
            parent,
            family_id,
            {**request, "expected_birth_date": None},
        )
    assert list(incomplete.value.fields) == ["expected_birth_date"]
    stranger = {"account_id": str(uuid.uuid4()), "roles": [], "family_id": family_id}
    with pytest.raises(Forbidden):
        call(container, "submit_creche_preregistration", stranger, family_id, request)
    with pytest.raises(Forbidden):
        call(container, "list_preregistrations", stranger, family_id)
    stale = {**stranger, "family_ids": [family_id]}
    with pytest.raises(NotFound):
        call(container, "submit_creche_preregistration", stale, family_id, request)
    with pytest.raises(NotFound):
        call(container, "list_preregistrations", stale, family_id)
    with pytest.raises(Forbidden):
        call(container, "change_preregistration_status", parent, 1, {"status": "refusee"})


def test_la_preinscription_scolaire_va_a_l_ecole_du_secteur(container, family):
    family_id, parent = family
    options = call(container, "get_school_options", parent, family_id)
    assert options["allowed"] is True and options["refusal"] is None
    assert options["sector"]["maternelle"]["name"] == "École maternelle Jean Moulin"
    noe = call(container, "get_family", parent, family_id)["children"][1]
    submitted = call(
        container, "submit_school_preregistration", parent, family_id, {"child_id": noe["id"]}
    )
    expected = preregistration.level_for(date(2022, 9, 15), int(options["school_year"][:4]))
    assert (submitted["level"], submitted["school_year"]) == (expected, options["school_year"])
    assert submitted["reference"].startswith("SCO-") and submitted["child_first_name"] == "Noé"


def test_sans_enfant_dans_une_ecole_publique_la_famille_va_a_la_mairie(
    container, family, database_url
):
    family_id, parent = family
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "update children set school = 'Institution privée' where family_id = "
            f"(select id from families where identifier = '{family_id}')"
        )
    engine.dispose()
    options = call(container, "get_school_options", parent, family_id)
    assert options["allowed"] is False and "Hôtel de Ville" in options["refusal"]
    child = {"child_first_name": "Zoé", "child_last_name": "Müller", "birth_date": "2023-02-01"}
    with pytest.raises(Forbidden) as refused:
        call(container, "submit_school_preregistration", parent, family_id, child)
    assert refused.value.message == preregistration.NOT_ALLOWED


def test_une_naissance_declaree_en_ligne_attend_l_agent_puis_rejoint_le_dossier(
    container, events, family, database_url
):
    family_id, parent = family
    request = {**example("creche_request"), "desired_start": next_year("2027-09-01")}
    expected = call(container, "submit_creche_preregistration", parent, family_id, request)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    born = (paris_today() - timedelta(days=3)).isoformat()
    birth = {
        "first_name": "Jade",
        "birth_date": born,
        "certificate": {"filename": "acte.pdf", "data": base64.b64encode(pdf).decode()},
        "preregistration": expected["reference"],
    }
    declared = call(container, "declare_birth", parent, family_id, birth)
    assert (declared["section"], declared["status"]) == ("birth", "en_attente")
    assert declared["proposed"]["birth"]["last_name"] == "Müller"
    assert declared["has_certificate"] is True
    assert events.next_of("dossier_changed")["pending"] == ["birth"]
    dossier = call(container, "get_dossier", parent, family_id)
    assert "Jade" not in [child["first_name"] for child in dossier["children"]]
    assert [change["section"] for change in dossier["pending"]] == ["birth"]
    waiting = call(container, "list_pending_changes", AGENT)
    assert declared["id"] in [change["id"] for change in waiting]
    sent = call(container, "get_quotient_certificate", AGENT, declared["id"])
    assert base64.b64decode(sent["data"]) == pdf

    decided = call(
        container, "decide_change", AGENT, declared["id"], {"decision": "validee", "reason": ""}
    )
    assert decided["status"] == "validee"
    dossier = call(container, "get_dossier", parent, family_id)
    [jade] = [child for child in dossier["children"] if child["first_name"] == "Jade"]
    assert (jade["birth_date"], jade["last_name"]) == (born, "Müller")
    [linked] = [
        item
        for item in call(container, "list_preregistrations", parent, family_id)
        if item["reference"] == expected["reference"]
    ]
    assert (linked["child_first_name"], linked["birth_date"]) == ("Jade", born)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        child_id = connection.scalar(
            text("select child_id from preregistrations where id = :id"), {"id": expected["id"]}
        )
    engine.dispose()
    assert child_id == jade["id"]


def test_une_declaration_de_naissance_incomplete_ou_d_un_agent_est_refusee(container, family):
    family_id, parent = family
    pdf = b"%PDF-1.4\n%%EOF\n"
    birth = {
        "first_name": "Jade",
        "birth_date": paris_today().isoformat(),
        "certificate": {"filename": "acte.pdf", "data": base64.b64encode(pdf).decode()},
    }
    for change, field in [
        ({"certificate": None}, "certificate"),
        ({"birth_date": (paris_today() + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"birth_date": (paris_today() - timedelta(days=400)).isoformat()}, "birth_date"),
        ({"preregistration": "CRE-2026-000001"}, "preregistration"),
        ({"first_name": " "}, "first_name"),
    ]:
        with pytest.raises(Invalid) as refused:
            call(container, "declare_birth", parent, family_id, {**birth, **change})
        assert list(refused.value.fields) == [field], change
    with pytest.raises(Invalid) as refused:  # an empty form hears of every field at once
        call(container, "declare_birth", parent, family_id, {"certificate": None})
    assert sorted(refused.value.fields) == ["birth_date", "certificate", "first_name"]
    with pytest.raises(Forbidden):
        call(container, "declare_birth", AGENT, family_id, birth)
    with pytest.raises(Forbidden):
        call(container, "declare_birth", {**parent, "family_ids": []}, family_id, birth)
