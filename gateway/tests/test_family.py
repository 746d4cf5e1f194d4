"""Mon compte famille: the activation form, its help, and the family's Dossier Unique."""

from __future__ import annotations

import pytest
from markupsafe import escape

from contracts.base import example
from contracts.errors import Forbidden, Invalid, NotFound, TooManyRequests
from gateway.views.family import ACTIVATION_LABELS

from .conftest import caller_of, citizen_identity

CALLER = caller_of(citizen_identity())
FAMILY_CALLER = {**CALLER, "family_ids": ["4217"]}
REFUSED = "Ces informations ne correspondent à aucune famille."
TYPED = {"family_id": " 4217 ", "family_name": "muller", "adult_first_name": "Helene"}


@pytest.fixture
def rpc(rpc):
    rpc.answer("list_linked_families", [example("linked_family")])
    rpc.answer("get_family", example("family"))
    rpc.answer("activate_family", example("linked_family"))
    return rpc


@pytest.mark.parametrize("path", ["/famille", "/famille/activation"])
def test_les_pages_famille_demandent_une_connexion(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/connexion?suite={path}"


def test_le_formulaire_montre_ou_trouver_l_identifiant_et_qui_appeler(citizen_client):
    response = citizen_client.get("/famille/activation")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for name in ACTIVATION_LABELS:
        assert f'id="field-{name}"' in html
    assert '<mark class="family-identifier">4217</mark>' in html
    assert "Référence : 2026-" in html
    assert "04 78 98 88 00" in html and "support-grc@ville-caluire.fr" in html
    assert "de 8 h 30 à 12 h 15 et de 13 h 30 à 17 h 00 (le jeudi à partir de 10 h 30)" in html
    assert "style=" not in html and "<script" not in html


def test_l_activation_envoie_la_saisie_et_mene_au_dossier(citizen_client, rpc):
    response = citizen_client.post("/famille/activation", data=TYPED)
    assert response.status_code == 303
    assert response.headers["Location"] == "/famille?famille=4217"
    call = rpc.last("activate_family")
    assert call["service"] == "family"
    assert call["args"] == (
        CALLER,
        {"family_id": "4217", "family_name": "muller", "adult_first_name": "Helene"},
    )
    page = citizen_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre espace famille est activé : famille Müller." in page


def test_un_refus_reaffiche_le_formulaire_avec_le_message_unique(citizen_client, rpc):
    rpc.answer("activate_family", Invalid(REFUSED, {"_schema": [REFUSED]}))
    response = citizen_client.post("/famille/activation", data=TYPED)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert escape(REFUSED) in html and 'value="muller"' in html
    assert "field--error" not in html, "the page must not tell which field was wrong"


def test_un_numero_mal_forme_est_signale_sur_son_champ(citizen_client, rpc):
    rpc.answer(
        "activate_family",
        Invalid("Le formulaire contient des erreurs.", {"family_id": ["De 3 à 5 chiffres."]}),
    )
    response = citizen_client.post("/famille/activation", data={**TYPED, "family_id": "12a"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = '<a href="#field-family_id">Mon numéro identifiant famille : De 3 à 5 chiffres.</a>'
    assert summary in html


def test_le_blocage_temporaire_est_explique(citizen_client, rpc):
    message = "Trop de tentatives d'activation : réessayez dans 15 minutes."
    rpc.answer("activate_family", TooManyRequests(message, 900))
    response = citizen_client.post("/famille/activation", data=TYPED)
    assert response.status_code == 429
    assert escape(message) in response.get_data(as_text=True)


def test_sans_famille_liee_la_page_famille_mene_a_l_activation(citizen_client, rpc):
    rpc.answer("list_linked_families", [])
    response = citizen_client.get("/famille")
    assert response.status_code == 302
    assert response.headers["Location"] == "/famille/activation"


def test_la_page_famille_montre_le_dossier_unique(citizen_client, rpc):
    response = citizen_client.get("/famille")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert rpc.last("get_family")["args"] == (FAMILY_CALLER, "4217")
    assert "Famille Müller" in html and "Hélène Müller" in html and "Mère" in html
    assert "Léa Müller" in html and "2 avril 2018" in html and "CE2" in html
    assert "Arachide" in html and "Non scolarisé(e)" in html
    assert "plusieurs familles" not in html


def test_un_parent_de_deux_familles_passe_de_l_une_a_l_autre(citizen_client, rpc):
    rpc.answer(
        "list_linked_families",
        [example("linked_family"), {"family_id": "10523", "name": "Martin"}],
    )
    rpc.answer("get_family", {**example("family"), "family_id": "10523", "name": "Martin"})
    html = citizen_client.get("/famille?famille=10523").get_data(as_text=True)
    assert rpc.last("get_family")["args"] == (
        {**CALLER, "family_ids": ["4217", "10523"]},
        "10523",
    )
    assert "plusieurs familles" in html and 'href="/famille?famille=4217"' in html


def test_une_famille_non_liee_donne_une_page_introuvable(citizen_client, rpc):
    rpc.answer("get_family", NotFound("Famille introuvable."))
    response = citizen_client.get("/famille?famille=9999")
    assert response.status_code == 404
    assert "Famille introuvable." in response.get_data(as_text=True)


def test_le_jeton_porte_les_familles_de_la_session_sans_les_redemander(citizen_client, rpc):
    rpc.answer("list_linked_families", [example("linked_family")])
    citizen_client.get("/famille")
    asked = rpc.methods().count("list_linked_families")
    citizen_client.get("/famille/dossier?famille=4217")
    assert rpc.methods().count("list_linked_families") == asked
    assert rpc.last("get_dossier")["args"] == (FAMILY_CALLER, "4217")


def test_une_famille_liee_ailleurs_est_redemandee_au_changement(citizen_client, rpc):
    rpc.answer("list_linked_families", [example("linked_family")])
    citizen_client.get("/famille")
    rpc.answer(
        "list_linked_families",
        [example("linked_family"), {"family_id": "10523", "name": "Martin"}],
    )
    citizen_client.get("/famille/dossier?famille=10523")
    assert rpc.last("get_dossier")["args"] == (
        {**CALLER, "family_ids": ["4217", "10523"]},
        "10523",
    )


def test_une_famille_hors_du_jeton_est_refusee(citizen_client, rpc):
    rpc.answer("get_dossier", Forbidden("Cette famille n'est pas rattachée à votre session."))
    response = citizen_client.get("/famille/dossier?famille=9999")
    assert response.status_code == 403
    assert rpc.last("get_dossier")["args"] == (FAMILY_CALLER, "9999")
