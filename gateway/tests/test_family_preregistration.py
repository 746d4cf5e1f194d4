"""Pre-registration pages: the crèche form, the school rule's answer, the agents' list."""

from __future__ import annotations

import pytest

from contracts.base import example
from contracts.errors import Conflict, Invalid

from .conftest import agent_identity, caller_of, citizen_identity, log_in

CALLER = {**caller_of(citizen_identity()), "family_ids": ["4217"]}
CRECHES = [{"code": "saint-clair", "name": "Crèche municipale de Saint-Clair"},
           {"code": "montessuy", "name": "Crèche municipale de Montessuy"}]  # fmt: skip
REFUSAL = "La préinscription scolaire en ligne est réservée aux familles (...) Hôtel de Ville."


@pytest.fixture
def rpc(rpc):
    rpc.answer("list_linked_families", [example("linked_family")])
    rpc.answer("list_creches", CRECHES)
    rpc.answer("list_preregistrations", [example("preregistration")])
    rpc.answer("submit_creche_preregistration", example("preregistration"))
    rpc.answer("get_school_options", example("school_options"))
    rpc.answer("get_family", example("family"))
    rpc.answer("submit_school_preregistration", example("preregistration"))
    rpc.answer("list_all_preregistrations", [example("preregistration")])
    rpc.answer("change_preregistration_status", example("preregistration"))
    return rpc


def test_la_creche_part_avec_ses_choix_dans_l_ordre(citizen_client, rpc):
    page = citizen_client.get("/famille/preinscriptions/creche").get_data(as_text=True)
    assert "Crèche municipale de Montessuy" in page and 'id="field-creche_3"' in page
    form = {
        "born": "non",
        "child_last_name": "Müller",
        "expected_birth_date": "2027-03-14",
        "birth_date": "2020-01-01",
        "desired_start": "2027-09-01",
        "days_per_week": "4",
        "hours_per_week": "36",
        "creche_1": "montessuy",
        "creche_3": "saint-clair",
    }
    response = citizen_client.post("/famille/preinscriptions/creche?famille=4217", data=form)
    assert response.status_code == 303
    caller, family_id, sent = rpc.last("submit_creche_preregistration")["args"]
    assert (caller, family_id) == (CALLER, "4217")
    assert sent["creches"] == ["montessuy", "saint-clair"] and sent["born"] is False
    assert sent["birth_date"] is None and sent["expected_birth_date"] == "2027-03-14"
    listing = citizen_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Préinscription enregistrée sous la référence CRE-2027-000012." in listing
    assert "1. Crèche municipale de Saint-Clair ; 2. Crèche municipale de Montessuy" in listing
    assert "Message du guichet SimpliCité : Commission du 15 mars." in listing


def test_les_erreurs_de_creche_reviennent_sur_le_premier_choix(citizen_client, rpc):
    fields = {"creches": ["Choisissez de 1 à 3 crèches, par ordre de préférence."]}
    rpc.answer(
        "submit_creche_preregistration", Invalid("Le formulaire contient des erreurs.", fields)
    )
    response = citizen_client.post("/famille/preinscriptions/creche", data={"born": "oui"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#field-creche_1">Crèches souhaitées : Choisissez de 1 à 3 crèches' in html


def test_sans_enfant_dans_une_ecole_publique_la_page_envoie_a_la_mairie(citizen_client, rpc):
    rpc.answer(
        "get_school_options", {**example("school_options"), "allowed": False, "refusal": REFUSAL}
    )
    html = citizen_client.get("/famille/preinscriptions/ecole").get_data(as_text=True)
    assert REFUSAL in html and "04 78 98 88 00" in html
    assert 'action="/famille/preinscriptions/ecole' not in html
    citizen_client.post("/famille/preinscriptions/ecole", data={"child_id": "2"})
    assert "submit_school_preregistration" not in rpc.methods()


def test_l_ecole_du_secteur_est_annoncee_et_l_enfant_envoye(citizen_client, rpc):
    html = citizen_client.get("/famille/preinscriptions/ecole").get_data(as_text=True)
    assert "École maternelle Jean Moulin (maternelle)" in html and "2027-2028" in html
    assert '<option value="2">Noé Müller</option>' in html
    response = citizen_client.post("/famille/preinscriptions/ecole", data={"child_id": "2"})
    assert response.status_code == 303
    sent = rpc.last("submit_school_preregistration")["args"][2]
    assert sent["child_id"] == 2 and sent["birth_date"] is None


def test_l_agent_change_le_statut_avec_un_message(client, rpc):
    agent = log_in(client, rpc, agent_identity("agent_simplicite"))
    html = agent.get("/agents/familles/preinscriptions?type=creche").get_data(as_text=True)
    assert '<option value="place_proposee">Place proposée</option>' in html
    assert rpc.last("list_all_preregistrations")["args"][1:] == ("creche", None)
    change = {"status": "place_proposee", "comment": "Place à Saint-Clair."}
    response = agent.post("/agents/familles/preinscriptions/12", data=change)
    assert response.status_code == 303
    assert rpc.last("change_preregistration_status")["args"][1:] == (12, change)
    rpc.answer(
        "change_preregistration_status", Conflict("Ce changement de statut n'est pas possible.")
    )
    assert agent.post("/agents/familles/preinscriptions/12", data=change).status_code == 409
