"""Démarche pages: the catalogue, a form generated from its definition, the confirmation,
and the agents' list and request page, with the fake RPC client."""

from __future__ import annotations

import base64
import io

import pytest

from contracts.base import example
from contracts.demarche_requests import ATTACHMENT_MAX_BYTES
from contracts.demarche_rules import NOT_ENTITLED
from contracts.errors import Conflict, Forbidden, Invalid, TooManyRequests
from gateway.views.demarches import FILE_AGAIN

from .conftest import agent_identity, caller_of, log_in, page_of

FIELDS = example("submit_demarche")["fields"]
FORM = {**FIELDS, "nom": "  Martin  "}
ETAT_CIVIL = agent_identity("agent_etat_civil")


def agent_request(status: str = "deposee", next_statuses=("en_cours", "rejetee")) -> dict:
    """An ``AgentDemarcheRequest`` as the requests service answers it."""
    return {
        "id": 41,
        "demarche": "acte_etat_civil",
        "demarche_title": "Demander une copie d'acte d'état civil",
        "tracking_number": "ECV-2026-000041",
        "tracking_key": "Zx8Qw2Lm5Np7Rt9Vb3Cd6Fg1Hj4Kk0Ss",
        "status": status,
        "status_label": {"deposee": "Déposée", "delivree": "Copie envoyée par courrier"}[status],
        "fields": FIELDS,
        "expected_by": "2026-12-12",
        "email": FIELDS["email"],
        "account_id": None,
        "next_statuses": list(next_statuses),
        "attachments": [],
        "submitted_at": "2026-12-02T09:15:00+00:00",
        "updated_at": "2026-12-02T09:15:00+00:00",
        "history": [
            {"status": "deposee", "status_label": "Déposée", "comment": "",
             "changed_at": "2026-12-02T09:15:00+00:00"}
        ],
    }  # fmt: skip


@pytest.fixture(autouse=True)
def answers(rpc):
    rpc.answer("submit_demarche", agent_request())
    rpc.answer("get_tracked_demarche", agent_request())
    rpc.answer("list_demarche_requests", page_of([agent_request()]))
    rpc.answer("get_demarche_request", agent_request())
    rpc.answer("change_demarche_status", agent_request())


def test_catalogue_liste_les_demarches_par_domaine(client):
    page = client.get("/demarches").get_data(as_text=True)
    assert "<h2>Espace public</h2>" in page and "<h2>État civil</h2>" in page
    assert 'href="/signalements/nouveau"' in page
    assert 'href="/demarches/acte_etat_civil/nouvelle"' in page
    assert "Délai de traitement habituel : 10 jours." in page


def test_formulaire_genere_avec_les_libelles_francais(client):
    page = client.get("/demarches/acte_etat_civil/nouvelle").get_data(as_text=True)
    assert "Votre lien avec la personne concernée" in page
    assert 'value="extrait_sans_filiation"' in page
    assert 'id="field-date_acte" name="date_acte" type="date"' in page
    assert client.get("/demarches/inconnue/nouvelle").status_code == 404
    assert client.get("/demarches/espace_public/nouvelle").status_code == 404


def test_formulaires_de_la_vie_pratique_et_du_livret(client):
    page = client.get("/demarches").get_data(as_text=True)
    assert "<h2>Vie pratique</h2>" in page
    assert 'href="/demarches/arrete_stationnement/nouvelle"' in page
    assert 'href="/demarches/livret_famille/nouvelle"' in page
    page = client.get("/demarches/arrete_stationnement/nouvelle").get_data(as_text=True)
    assert 'id="field-longueur" name="longueur" type="text"' in page
    assert 'inputmode="numeric"' in page and "Au moins 10 jours après aujourd&#39;hui." in page
    page = client.get("/demarches/livret_famille/nouvelle").get_data(as_text=True)
    assert 'value="exemplaire_supplementaire"' in page
    assert 'second titulaire <span class="optional">(facultatif)</span>' in page


VIGNETTE = {
    "adresse": "14 montée des Forts",
    "immatriculation": "AB-123-CD",
    "annee": "2026",
    "demandeur": "Dominique Durand",
    "email": "dominique.durand@example.org",
}
PDF = b"%PDF-1.4 facture"


def test_vignette_envoie_le_justificatif_en_base64(client, rpc):
    page = client.get("/demarches/vignette_resident/nouvelle").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'name="justificatif" type="file" accept="application/pdf,image/jpeg' in page
    form = {**VIGNETTE, "justificatif": (io.BytesIO(PDF), "facture.pdf")}
    response = client.post("/demarches/vignette_resident/nouvelle", data=form)
    assert response.status_code == 303
    sent = rpc.last("submit_demarche")["args"][1]
    assert sent["files"] == {
        "justificatif": {"filename": "facture.pdf", "data": base64.b64encode(PDF).decode()}
    }
    assert sent["fields"] == VIGNETTE


def test_vignette_justificatif_trop_lourd_refuse_sans_appel(client, rpc):
    big = io.BytesIO(b"%PDF-" + b"0" * ATTACHMENT_MAX_BYTES)
    form = {**VIGNETTE, "justificatif": (big, "scan.pdf")}
    response = client.post("/demarches/vignette_resident/nouvelle", data=form)
    assert response.status_code == 422
    assert "Le fichier dépasse 5 Mo." in response.get_data(as_text=True)
    assert not [c for c in rpc.calls if c["method"] == "submit_demarche"]


def test_vignette_refusee_demande_de_choisir_le_fichier_a_nouveau(client, rpc):
    rpc.answer("submit_demarche", Invalid("", {"annee": ["Choisissez 2026 ou 2027."]}))
    form = {**VIGNETTE, "annee": "2030", "justificatif": (io.BytesIO(PDF), "facture.pdf")}
    page = client.post("/demarches/vignette_resident/nouvelle", data=form).get_data(as_text=True)
    assert "Choisissez 2026 ou 2027." in page and FILE_AGAIN.replace("'", "&#39;") in page


def test_agent_telecharge_la_piece_jointe(client, rpc):
    log_in(client, rpc, agent_identity("agent_vie_pratique"))
    attachment = {"id": 7, "field": "justificatif", "filename": "facture.pdf",
                  "content_type": "application/pdf", "size": 2048}  # fmt: skip
    rpc.answer("get_demarche_request", {**agent_request(), "attachments": [attachment]})
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert (
        'href="/agents/demarches/demande/41/pieces/7" download>facture.pdf</a> (PDF, 2 Ko)' in page
    )
    pdf = {"content_type": "application/pdf", "data": base64.b64encode(PDF).decode()}
    rpc.answer("get_demarche_attachment", pdf)
    response = client.get("/agents/demarches/demande/41/pieces/7")
    assert (response.data, response.mimetype) == (PDF, "application/pdf")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert rpc.last("get_demarche_attachment")["args"][1:] == (41, 7)


def test_envoi_donne_la_confirmation_avec_le_numero(client, rpc):
    response = client.post("/demarches/acte_etat_civil/nouvelle", data=FORM)
    assert response.status_code == 303
    sent = rpc.last("submit_demarche")["args"][1]
    assert sent == {
        "demarche": "acte_etat_civil",
        "fields": FIELDS,
        "files": {},
        "client_ip": "127.0.0.1",
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre demande a bien été enregistrée" in page
    assert "ECV-2026-000041" in page and "12 décembre 2026" in page
    assert "Je suis la personne concernée par l&#39;acte" in page
    assert rpc.last("get_tracked_demarche")["args"][1:] == (
        "ECV-2026-000041",
        "Zx8Qw2Lm5Np7Rt9Vb3Cd6Fg1Hj4Kk0Ss",
    )


def test_refus_de_la_copie_integrale_reaffiche_tout_avec_l_erreur(client, rpc):
    rpc.answer(
        "submit_demarche", Invalid("Le formulaire contient des erreurs.", {"lien": [NOT_ENTITLED]})
    )
    form = {**FORM, "lien": "autre"}
    response = client.post("/demarches/acte_etat_civil/nouvelle", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Votre lien avec la personne concernée : Une copie intégrale" in page
    assert 'value="autre" id="field-lien-autre" checked' in page
    assert 'value="12 rue de la République"' in page and 'value="1990-04-12"' in page


def test_trop_de_demandes_donne_429_avec_le_formulaire(client, rpc):
    rpc.answer("submit_demarche", TooManyRequests("Réessayez dans une heure.", 3600))
    response = client.post("/demarches/acte_etat_civil/nouvelle", data=FORM)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3600")
    assert "Réessayez dans une heure." in response.get_data(as_text=True)


def test_agent_etat_civil_voit_la_liste_et_la_demande(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    page = client.get("/agents/demarches/acte_etat_civil?statut=deposee").get_data(as_text=True)
    assert "ECV-2026-000041" in page and 'href="/agents/demarches">Démarches</a>' in page
    call = rpc.last("list_demarche_requests")
    assert call["args"] == (caller_of(ETAT_CIVIL), "acte_etat_civil", "deposee", None)
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert 'href="mailto:camille.martin@example.org"' in page and "Copie intégrale" in page
    assert 'value="en_cours"' in page and 'value="rejetee"' in page
    assert 'value="delivree"' not in page


def test_agent_change_le_statut_ou_voit_l_erreur(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    change = {"status": "rejetee", "comment": ""}
    rpc.answer("change_demarche_status", Invalid("", {"comment": ["Indiquez le motif."]}))
    response = client.post("/agents/demarches/demande/41/statut", data=change)
    assert response.status_code == 422
    assert "Commentaire : Indiquez le motif." in response.get_data(as_text=True)
    rpc.answer("change_demarche_status", Conflict("Une démarche « Envoyée » ne peut pas..."))
    assert client.post("/agents/demarches/demande/41/statut", data=change).status_code == 409
    rpc.answer("change_demarche_status", agent_request())
    response = client.post("/agents/demarches/demande/41/statut", data={"status": "en_cours"})
    assert (response.status_code, response.headers["Location"]) == (
        303,
        "/agents/demarches/demande/41",
    )
    assert rpc.last("change_demarche_status")["args"][1:] == (
        41,
        {"status": "en_cours", "comment": "", "internal_note": ""},
    )


def test_demande_terminee_n_offre_plus_de_transition(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    rpc.answer("get_demarche_request", agent_request("delivree", ()))
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert "son statut ne change plus" in page and "Changer le statut" not in page


def test_agent_d_un_autre_role_recoit_403(client, rpc):
    log_in(client, rpc, agent_identity("agent_espace_public"))
    rpc.answer("get_demarche_request", Forbidden("Vous n'avez pas accès à cette page."))
    assert client.get("/agents/demarches/demande/41").status_code == 403
    page = client.get("/agents/signalements").get_data(as_text=True)
    assert "/agents/demarches/acte_etat_civil" not in page


def test_agent_etat_civil_arrive_sur_ses_demandes_apres_connexion(client, rpc):
    opened = {"session_token": "jeton-agent", "identity": ETAT_CIVIL}
    rpc.answer("login", opened)
    form = {"email": "agent@ville-caluire.fr", "password": "Tilleul-Platane-Saône-2026"}
    response = client.post("/agents/connexion", data=form)
    assert response.headers["Location"] == "/agents/demarches/acte_etat_civil"


def waiting_request() -> dict:
    asked = {"status": "en_attente", "status_label": "En attente de votre réponse",
             "comment": "Joignez le récépissé de plainte.", "by_requester": False,
             "changed_at": "2026-12-03T10:00:00+00:00"}  # fmt: skip
    found = {**agent_request(), "demarche": "livret_famille", "status": "en_attente"}
    found["fields"] = {"motif": "vol", "titulaire_1": "Camille Martin"}
    return {**found, "history": [*found["history"], asked]}


def test_le_demandeur_repond_depuis_la_page_de_suivi(client, rpc):
    rpc.answer("get_tracked_demarche", waiting_request())
    rpc.answer("answer_demarche", waiting_request())
    url = "/demarches/suivi/ECV-2026-000041?cle=cle-privee"
    page = client.get(url).get_data(as_text=True)
    assert "Le service attend une réponse de votre part : Joignez le récépissé" in page
    assert (
        'name="cle" value="cle-privee"' in page and 'name="fichiers" type="file" multiple' in page
    )
    form = {"cle": "cle-privee", "message": " Voici. ", "fichiers": (io.BytesIO(PDF), "r.pdf")}
    response = client.post("/demarches/suivi/ECV-2026-000041/reponse", data=form)
    assert (response.status_code, response.headers["Location"]) == (303, url)
    assert rpc.last("answer_demarche")["args"][1:] == (
        "ECV-2026-000041",
        "cle-privee",
        {
            "message": "Voici.",
            "files": [{"filename": "r.pdf", "data": base64.b64encode(PDF).decode()}],
        },
    )
    assert "Votre réponse a été transmise au service." in client.get(url).get_data(as_text=True)


def test_reponse_vide_reaffichee_avec_l_erreur(client, rpc):
    rpc.answer("get_tracked_demarche", waiting_request())
    rpc.answer("answer_demarche", Invalid("", {"message": ["Ce champ est obligatoire."]}))
    form = {"cle": "cle-privee", "message": ""}
    response = client.post("/demarches/suivi/ECV-2026-000041/reponse", data=form)
    assert response.status_code == 422
    assert "Votre réponse : Ce champ est obligatoire." in response.get_data(as_text=True)


def test_agent_voit_les_notes_internes_et_la_reponse(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    found = agent_request()
    found["history"] = [
        {**found["history"][0], "internal_note": "Appeler la mairie de naissance.",
         "by_requester": False, "changed_by": None},
        {**found["history"][0], "comment": "Voici le document.", "internal_note": "",
         "by_requester": True, "changed_by": None},
    ]  # fmt: skip
    rpc.answer("get_demarche_request", found)
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert "Note interne : Appeler la mairie de naissance." in page
    assert "<strong>Réponse du demandeur</strong>" in page and 'name="internal_note"' in page


def test_les_dates_saisies_se_lisent_en_francais():
    from contracts.demarches import GENERIC
    from gateway.views.demarches import shown_fields

    shown = dict(shown_fields(GENERIC["acte_etat_civil"], {"date_acte": "1960-04-01"}))
    assert shown["Date de l'événement (naissance, mariage ou décès)"] == "1er avril 1960"
