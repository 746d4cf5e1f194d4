"""The SimpliCité office's pages: search, a family's dossier, decisions, a new family."""

from __future__ import annotations

import base64

import pytest

from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid

from .conftest import agent_identity, caller_of, log_in

SIMPLICITE = agent_identity("agent_simplicite")
CALLER = caller_of(SIMPLICITE)


@pytest.fixture
def rpc(rpc):
    rpc.answer("search_families", [example("family_summary")])
    rpc.answer("list_pending_changes", [example("dossier_change")])
    rpc.answer("get_dossier", example("dossier"))
    rpc.answer("list_dossier_history", [example("dossier_change")])
    rpc.answer("decide_change", example("dossier_change"))
    rpc.answer("create_family", example("family_summary"))
    pdf = {"filename": "caf.pdf", "content_type": "application/pdf", "data": "JVBERi0="}
    rpc.answer("get_quotient_certificate", pdf)
    return rpc


@pytest.fixture
def simplicite_client(client, rpc):
    return log_in(client, rpc, SIMPLICITE)


def test_l_agent_cherche_une_famille(simplicite_client, rpc):
    html = simplicite_client.get("/agents/familles?q=müller").get_data(as_text=True)
    assert rpc.last("search_families")["args"] == (CALLER, "müller")
    assert 'href="/agents/familles/4217"' in html and "Léa Müller, Noé Müller" in html
    assert "Demandes à valider (1)" in html and ">Familles</a>" in html


def test_une_recherche_trop_courte_est_expliquee(simplicite_client, rpc):
    message = "Tapez au moins 2 caractères : un numéro de famille ou un nom."
    rpc.answer("search_families", Invalid(message, {"q": [message]}))
    html = simplicite_client.get("/agents/familles?q=a").get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html


def test_la_fiche_famille_montre_sante_et_historique(simplicite_client, rpc):
    html = simplicite_client.get("/agents/familles/4217").get_data(as_text=True)
    assert "Arachide" in html and "consultation des informations de santé" in html
    assert "En attente de validation" in html
    assert rpc.last("get_dossier")["args"] == (CALLER, "4217")


def test_l_agent_valide_ou_refuse_avec_un_motif(simplicite_client, rpc):
    page = simplicite_client.get("/agents/familles/demandes").get_data(as_text=True)
    assert 'href="/agents/familles/demandes/12/justificatif"' in page
    response = simplicite_client.post(
        "/agents/familles/demandes/12", data={"decision": "refusee", "reason": "Trop ancienne."}
    )
    assert response.status_code == 303
    assert rpc.last("decide_change")["args"] == (
        CALLER,
        12,
        {"decision": "refusee", "reason": "Trop ancienne."},
    )
    message = "Indiquez le motif du refus à la famille."
    rpc.answer(
        "decide_change", Invalid("Le formulaire contient des erreurs.", {"reason": [message]})
    )
    refused = simplicite_client.post("/agents/familles/demandes/12", data={"decision": "refusee"})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    rpc.answer("decide_change", Conflict("Cette demande a déjà été traitée."))
    late = simplicite_client.post("/agents/familles/demandes/12", data={"decision": "validee"})
    assert late.status_code == 409


def test_l_attestation_se_telecharge_sans_s_afficher(simplicite_client, rpc):
    response = simplicite_client.get("/agents/familles/demandes/12/justificatif")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="caf.pdf"'
    assert response.data == base64.b64decode("JVBERi0=")


def test_l_agent_cree_une_famille(simplicite_client, rpc):
    form = {
        "name": "Durand",
        "address": "3 chemin de Wette-Fays",
        "adult_first_name": "Sophie",
        "adult_last_name": "Durand",
        "adult_relationship": "mere",
        "adult_email": "sophie@example.org",
        "adult_phone": "06 12 34 56 78",
        "quotient_familial": "",
    }
    response = simplicite_client.post("/agents/familles/nouvelle", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/agents/familles/4217"
    sent = rpc.last("create_family")["args"][1]
    assert sent["adults"][0]["custody"] == "exercee" and sent["quotient_familial"] is None
    assert sent["children"] == []
    with_child = {**form, "child_first_name": "Jules", "child_birth_date": "2019-06-21"}
    simplicite_client.post("/agents/familles/nouvelle", data=with_child)
    assert rpc.last("create_family")["args"][1]["children"] == [
        {"first_name": "Jules", "last_name": "Durand", "birth_date": "2019-06-21",
         "school": None, "class_name": None}
    ]  # fmt: skip
    invalid = Invalid(
        "Le formulaire contient des erreurs.", {"adults.0.email": ["Adresse e-mail invalide."]}
    )
    rpc.answer("create_family", invalid)
    page = simplicite_client.post("/agents/familles/nouvelle", data=form).get_data(as_text=True)
    assert 'href="#field-adult_email">Adresse e-mail : Adresse e-mail invalide.' in page


def test_effacer_une_famille_demande_une_confirmation(simplicite_client, rpc):
    rpc.answer("erase_family", {})
    unconfirmed = simplicite_client.post("/agents/familles/4217/effacer")
    assert unconfirmed.headers["Location"] == "/agents/familles/4217"
    assert "erase_family" not in rpc.methods()
    erased = simplicite_client.post("/agents/familles/4217/effacer", data={"confirm": "1"})
    assert erased.headers["Location"] == "/agents/familles"
    assert rpc.last("erase_family")["args"] == (CALLER, "4217")


def test_l_agent_modifie_le_dossier_sans_validation(simplicite_client, rpc):
    rpc.answer("update_dossier", {"applied": ["quotient"], "pending": []})
    page = simplicite_client.get("/famille/dossier/quotient-familial?famille=4217")
    html = page.get_data(as_text=True)
    assert "sera vérifié par le guichet" not in html and ">Enregistrer</button>" in html
    form = {"quotient-quotient_familial": "700"}
    response = simplicite_client.post("/famille/dossier/quotient-familial?famille=4217", data=form)
    assert response.headers["Location"] == "/agents/familles/4217"
    sent = rpc.last("update_dossier")["args"]
    assert sent == (CALLER, "4217", {"quotient": {"quotient_familial": "700", "certificate": None}})


def test_un_autre_agent_est_refuse_par_le_service(agent_client, rpc):
    rpc.answer("list_pending_changes", Forbidden("Accès refusé."))
    assert agent_client.get("/agents/familles").status_code == 403
