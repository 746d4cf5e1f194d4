"""The Dossier Unique pages: the whole dossier, one form per section, the history."""

from __future__ import annotations

import io

import pytest

from contracts.base import example
from contracts.errors import Invalid, NotFound

from .conftest import caller_of, citizen_identity

CALLER = {**caller_of(citizen_identity()), "family_ids": ["4217"]}


@pytest.fixture
def rpc(rpc):
    rpc.answer("list_linked_families", [example("linked_family")])
    rpc.answer("get_dossier", example("dossier"))
    rpc.answer("list_dossier_history", [example("dossier_change")])
    rpc.answer("update_dossier", {"applied": ["pickup"], "pending": []})
    return rpc


def test_le_dossier_montre_chaque_section_et_ce_qui_attend(citizen_client, rpc):
    response = citizen_client.get("/famille/dossier")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert rpc.last("get_dossier")["args"] == (CALLER, "4217")
    assert "Odile Martin (Grand-mère)" in html and "Garde exercée" in html
    assert "Non communiqué : le tarif le plus élevé s'applique." in html
    assert html.count("Modification en attente de validation") == 1
    assert 'href="/famille/dossier/quotient-familial?famille=4217"' in html


def test_l_historique_dit_qui_quand_et_le_statut(citizen_client, rpc):
    html = citizen_client.get("/famille/historique?famille=4217").get_data(as_text=True)
    assert "Quotient familial" in html and "En attente de validation" in html
    assert "par la famille" in html
    assert rpc.last("list_dossier_history")["args"] == (CALLER, "4217")


def test_une_famille_inconnue_donne_404(citizen_client, rpc):
    rpc.answer("get_dossier", NotFound("Famille introuvable."))
    response = citizen_client.get("/famille/dossier/adresse?famille=999")
    assert response.status_code == 404


def test_le_formulaire_des_personnes_autorisees_envoie_les_lignes_remplies(citizen_client, rpc):
    page = citizen_client.get("/famille/dossier/personnes-autorisees?famille=4217")
    html = page.get_data(as_text=True)
    assert 'value="Odile"' in html and 'id="field-pickup-5-phone"' in html
    form = {
        "pickup-0-first_name": "Odile",
        "pickup-0-last_name": "Martin",
        "pickup-0-phone": "06 11 22 33 44",
        "pickup-0-relationship": "Grand-mère",
        "pickup-2-first_name": "Luc",
        "pickup-2-last_name": "Petit",
        "pickup-2-phone": "06 99 88 77 66",
        "pickup-2-relationship": "Voisin",
    }
    response = citizen_client.post("/famille/dossier/personnes-autorisees?famille=4217", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == "/famille/dossier?famille=4217"
    sent = rpc.last("update_dossier")["args"]
    assert sent[:2] == (CALLER, "4217")
    assert [person["first_name"] for person in sent[2]["pickup"]] == ["Odile", "Luc"]


def test_les_messages_du_service_reviennent_sous_chaque_champ(citizen_client, rpc):
    fields = {"pickup.1.phone": ["Numéro de téléphone invalide."]}
    rpc.answer("update_dossier", Invalid("Le formulaire contient des erreurs.", fields))
    form = {"pickup-1-first_name": "Luc", "pickup-1-phone": "12"}
    response = citizen_client.post("/famille/dossier/personnes-autorisees?famille=4217", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#field-pickup-1-phone">Téléphone (2) : Numéro de téléphone invalide.' in html
    assert 'id="field-pickup-1-phone-error"' in html and 'value="Luc"' in html


def test_le_quotient_part_avec_son_attestation_pour_validation(citizen_client, rpc):
    rpc.answer("update_dossier", {"applied": [], "pending": ["quotient"]})
    data = {
        "quotient-quotient_familial": "850",
        "quotient-certificate": (io.BytesIO(b"%PDF-1.4 %%EOF"), "caf.pdf"),
    }
    response = citizen_client.post(
        "/famille/dossier/quotient-familial?famille=4217",
        data=data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    sent = rpc.last("update_dossier")["args"][2]["quotient"]
    assert sent == {
        "quotient_familial": "850",
        "certificate": {"filename": "caf.pdf", "data": "JVBERi0xLjQgJSVFT0Y="},
    }
    page = citizen_client.get("/famille/dossier").get_data(as_text=True)
    assert "le guichet SimpliCité la vérifiera" in page


def test_sante_et_autorisations_se_cochent(citizen_client, rpc):
    form = {"health-0-allergies": "Arachide", "health-0-pai": "1", "health-1-doctor": "Dr B"}
    citizen_client.post("/famille/dossier/sante?famille=4217", data=form)
    first, second = rpc.last("update_dossier")["args"][2]["health"]
    assert first == {"child_id": 1, "allergies": "Arachide", "pai": True, "doctor": ""}
    assert second == {"child_id": 2, "allergies": "", "pai": False, "doctor": "Dr B"}
    citizen_client.post(
        "/famille/dossier/autorisations?famille=4217", data={"consents-photos": "1"}
    )
    consents = rpc.last("update_dossier")["args"][2]["consents"]
    assert consents == {"photos": True, "outings": False}


def test_une_section_inconnue_donne_404(citizen_client, rpc):
    assert citizen_client.get("/famille/dossier/banque").status_code == 404


def test_une_naissance_se_declare_avec_l_acte_et_la_preinscription_attendue(citizen_client, rpc):
    expected = {
        **example("preregistration"),
        "kind": "creche",
        "reference": "CRE-2026-000012",
        "birth_date": None,
        "expected_birth_date": "2026-11-20",
    }
    rpc.answer("list_preregistrations", [expected])
    page = citizen_client.get("/famille/naissance?famille=4217").get_data(as_text=True)
    assert "CRE-2026-000012 (naissance prévue le 20 novembre 2026)" in page
    rpc.answer("declare_birth", example("dossier_change"))
    form = {
        "first_name": " Jade ",
        "last_name": "",
        "birth_date": "2026-11-22",
        "preregistration": "CRE-2026-000012",
        "certificate": (io.BytesIO(b"%PDF-1.4 acte %%EOF"), "acte.pdf"),
    }
    response = citizen_client.post("/famille/naissance?famille=4217", data=form)
    assert response.status_code == 303
    caller, family_id, sent = rpc.last("declare_birth")["args"]
    assert (caller, family_id) == (CALLER, "4217")
    assert (sent["first_name"], sent["preregistration"]) == ("Jade", "CRE-2026-000012")
    assert sent["certificate"]["filename"] == "acte.pdf"
    refused = "Joignez l'acte de naissance de l'enfant (PDF ou photo)."
    rpc.answer("declare_birth", Invalid(refused, {"certificate": [refused]}))
    response = citizen_client.post(
        "/famille/naissance?famille=4217", data={**form, "certificate": (io.BytesIO(b""), "")}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Joignez l&#39;acte de naissance" in html
    assert 'value="Jade"' in html
