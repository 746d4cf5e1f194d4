"""The agents' queue of démarches, its CSV export, assignment and the admin's view log, with
the fake RPC client."""

from __future__ import annotations

import pytest

from contracts.errors import Conflict, Invalid

from .conftest import agent_identity, caller_of, log_in, page_of
from .test_demarches import agent_request

ETAT_CIVIL = agent_identity("agent_etat_civil")


@pytest.fixture(autouse=True)
def answers(rpc):
    late = {**agent_request(), "overdue": True, "assigned_to": None, "assigned_name": ""}
    rpc.answer("search_demarche_requests", page_of([late]))
    rpc.answer("get_demarche_request", {**late, "assigned_to": None})
    rpc.answer("assign_demarche_request", late)


def test_file_avec_filtres_gardes_dans_les_liens(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    url = "/agents/demarches?q=Martin&statut=deposee&retard=1&du=2026-12-01&attribution=moi"
    page = client.get(url).get_data(as_text=True)
    assert rpc.last("search_demarche_requests")["args"] == (
        caller_of(ETAT_CIVIL),
        {"search": "Martin", "status": "deposee", "overdue": True,
         "submitted_from": "2026-12-01", "assigned": "moi"},
        None,
    )  # fmt: skip
    assert "ECV-2026-000041" in page and "En retard" in page
    assert 'value="Martin"' in page
    assert '<option value="arrete_stationnement"' not in page
    assert '<option value="livret_famille"' in page
    assert "/agents/demarches/export.csv?" in page and "q=Martin" in page


def report_in_queue() -> dict:
    """A public-space report as the queue lists it: its answers are its own columns."""
    report = {**agent_request(), "id": 7, "demarche": "espace_public", "status": "nouveau"}
    report.update(
        demarche_title="Signaler un problème dans l'espace public",
        tracking_number="ESP-2026-000007",
        status_label="Nouveau",
        fields={"category": "voirie", "address": "1 rue Pasteur", "description": "Trou."},
        overdue=False,
        assigned_to=None,
        assigned_name="",
    )
    return report


def test_les_signalements_de_la_file_menent_a_leur_page(client, rpc):
    public_space = agent_identity("agent_espace_public")
    log_in(client, rpc, public_space)
    rpc.answer("search_demarche_requests", page_of([report_in_queue()]))
    page = client.get("/agents/demarches").get_data(as_text=True)
    assert 'href="/agents/signalements/7"' in page and "ESP-2026-000007" in page
    assert '<option value="espace_public"' in page and '<option value="livret_famille"' not in page
    assert 'href="/agents/demarches"' in page  # the agents' menu leads to the queue
    rpc.answer("export_demarche_requests", {"rows": [report_in_queue()], "truncated": False})
    text = client.get("/agents/demarches/export.csv").get_data(as_text=True)
    assert "ESP-2026-000007;Signaler un problème" in text
    assert "Catégorie : Voirie (chaussée, trottoir, nid-de-poule) | Adresse ou lieu : 1 rue" in text


def test_filtre_invalide_affiche_l_erreur(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    rpc.answer("search_demarche_requests", Invalid("", {"submitted_from": ["Date attendue."]}))
    response = client.get("/agents/demarches?du=hier")
    assert response.status_code == 422
    assert "Déposée à partir du : Date attendue." in response.get_data(as_text=True)


def test_export_csv_sans_formule(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    row = {**agent_request(), "assigned_name": "Sacha"}
    row["fields"] = {**row["fields"], "nom": '=HYPERLINK("http://x")'}
    rpc.answer("export_demarche_requests", {"rows": [row], "truncated": False})
    response = client.get("/agents/demarches/export.csv?q=Martin")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="demarches.csv"'
    text = response.get_data(as_text=True)
    header, line = text.lstrip("\ufeff").splitlines()
    assert header.startswith("Numéro;Démarche;Statut;Déposée le")
    assert line.startswith("ECV-2026-000041;Demander une copie d'acte d'état civil;Déposée;")
    assert "Nom de la personne concernée par l'acte : =HYPERLINK" in line
    assert rpc.last("export_demarche_requests")["args"][1] == {"search": "Martin"}
    row["tracking_number"] = "=1+1"
    rpc.answer("export_demarche_requests", {"rows": [row], "truncated": True})
    text = client.get("/agents/demarches/export.csv").get_data(as_text=True)
    assert "\n'=1+1;" in text and "Liste tronquée" in text


def test_agent_s_attribue_la_demande(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert 'name="assignee" value="moi"' in page and "Attribuée à</dt><dd>Personne" in page
    response = client.post("/agents/demarches/demande/41/attribution", data={"assignee": "moi"})
    assert response.headers["Location"] == "/agents/demarches/demande/41"
    args = rpc.last("assign_demarche_request")["args"]
    assert args[1:] == (41, {"assignee": "moi", "assignee_name": ETAT_CIVIL["display_name"]})


def test_agent_attribue_la_demande_a_un_collegue_du_role(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert rpc.last("list_agents_with_role")["args"] == (caller_of(ETAT_CIVIL), "agent_etat_civil")
    assert '<option value="agent-ec-2">Alix Registre</option>' in page
    form = {"assignee": "agent", "agent_id": "agent-ec-2", "demarche": "acte_etat_civil"}
    response = client.post("/agents/demarches/demande/41/attribution", data=form)
    assert response.headers["Location"] == "/agents/demarches/demande/41"
    assert rpc.last("assign_demarche_request")["args"][1:] == (
        41,
        {"assignee": "agent", "agent_id": "agent-ec-2", "assignee_name": "Alix Registre",
         "demarche": "acte_etat_civil"},
    )  # fmt: skip
    assert "Demande attribuée à Alix Registre." in client.get(
        "/agents/demarches/demande/41"
    ).get_data(as_text=True)
    calls = len([c for c in rpc.calls if c["method"] == "assign_demarche_request"])
    stranger = {**form, "agent_id": "agent-vp-9"}
    client.post("/agents/demarches/demande/41/attribution", data=stranger)
    assert len([c for c in rpc.calls if c["method"] == "assign_demarche_request"]) == calls
    page = client.get("/agents/demarches/demande/41").get_data(as_text=True)
    assert "Choisissez un agent qui traite cette démarche." in page


def test_file_filtree_par_agent_attribue(client, rpc):
    log_in(client, rpc, ETAT_CIVIL)
    page = client.get("/agents/demarches?agent=agent-ec-2").get_data(as_text=True)
    assert rpc.last("search_demarche_requests")["args"][1] == {"assigned_to": "agent-ec-2"}
    assert '<option value="agent-ec-2" selected>Alix Registre</option>' in page


def test_admin_lit_le_journal_des_consultations(client, rpc):
    log_in(client, rpc, agent_identity("admin"))
    entry = {"agent_id": "agent-ec", "request_id": 41, "tracking_number": "ECV-2026-000041",
             "viewed_at": "2026-12-02T09:15:00+00:00"}  # fmt: skip
    rpc.answer("list_demarche_views", page_of([entry]))
    page = client.get("/admin/consultations").get_data(as_text=True)
    assert "<code>agent-ec</code>" in page and 'href="/agents/demarches/demande/41"' in page
    log_in(client, rpc, ETAT_CIVIL)
    assert client.get("/admin/consultations").status_code == 403


def test_statut_groupe_des_signalements_coches(client, rpc):
    from .conftest import tracked_report

    log_in(client, rpc, agent_identity("agent_espace_public"))
    rpc.answer("list_reports", page_of([{**tracked_report(), "id": 5, "email": "a@exemple.fr"}]))
    page = client.get("/agents/signalements").get_data(as_text=True)
    assert 'name="report_ids" value="5"' in page and 'aria-label="Sélectionner ESP-' in page
    rpc.answer("change_report_statuses", {"changed": ["ESP-2026-000005", "ESP-2026-000006"]})
    form = {"report_ids": ["5", "6"], "status": "en_cours", "comment": "Équipe envoyée."}
    response = client.post("/agents/signalements/statut-groupe", data=form)
    assert response.headers["Location"] == "/agents/signalements"
    assert rpc.last("change_report_statuses")["args"][1] == {
        "report_ids": [5, 6],
        "status": "en_cours",
        "comment": "Équipe envoyée.",
    }
    assert "Statut mis à jour pour 2 signalement(s)" in client.get("/agents/signalements").get_data(
        True
    )
    rpc.answer("change_report_statuses", Conflict("Aucun signalement modifié. ESP-2026-000005 : …"))
    client.post("/agents/signalements/statut-groupe", data=form)
    assert "Aucun signalement modifié." in client.get("/agents/signalements").get_data(True)


def test_agent_de_l_espace_public_attribue_un_signalement_depuis_sa_page(client, rpc):
    voirie = agent_identity("agent_espace_public")
    rpc.answer("assign_report", {})
    log_in(client, rpc, voirie)
    page = client.get("/agents/signalements/1").get_data(as_text=True)
    assert rpc.last("list_agents_with_role")["args"] == (caller_of(voirie), "agent_espace_public")
    assert 'name="assignee" value="moi"' in page and "Attribué à</dt><dd>Personne" in page
    assert '<input type="hidden" name="demarche" value="espace_public">' in page
    response = client.post("/agents/signalements/1/attribution", data={"assignee": "moi"})
    assert response.headers["Location"] == "/agents/signalements/1"
    assert rpc.last("assign_report")["args"][1:] == (
        1,
        {"assignee": "moi", "assignee_name": voirie["display_name"]},
    )
