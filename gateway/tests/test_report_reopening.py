"""A resolved report reopened by its author from the tracking page, with the fake RPC client."""

from __future__ import annotations

from contracts.errors import Conflict, Invalid

from .conftest import tracked_report

URL = "/suivi/ESP-2026-000123?cle=cle-privee"


def resolved() -> dict:
    return {**tracked_report(), "status": "resolu", "status_label": "Résolu",
            "reopenable_until": "2027-01-01T09:00:00+00:00"}  # fmt: skip


def test_signalement_resolu_rouvert_par_son_auteur(client, rpc):
    rpc.answer("get_tracked_report", resolved())
    page = client.get(URL).get_data(as_text=True)
    assert "Vous pouvez rouvrir ce signalement jusqu'au" in page
    assert 'name="cle" value="cle-privee"' in page
    rpc.answer("reopen_report", tracked_report())
    form = {"cle": "cle-privee", "reason": " Le trou est revenu. "}
    response = client.post("/suivi/ESP-2026-000123/rouvrir", data=form)
    assert (response.status_code, response.headers["Location"]) == (303, URL)
    assert rpc.last("reopen_report")["args"][1:] == (
        "ESP-2026-000123",
        "cle-privee",
        {"reason": "Le trou est revenu."},
    )
    assert "Signalement rouvert" in client.get(URL).get_data(as_text=True)


def test_raison_manquante_ou_delai_depasse(client, rpc):
    rpc.answer("get_tracked_report", resolved())
    rpc.answer("reopen_report", Invalid("", {"reason": ["Ce champ est obligatoire."]}))
    response = client.post("/suivi/ESP-2026-000123/rouvrir", data={"cle": "cle-privee"})
    assert response.status_code == 422
    assert "Pourquoi rouvrir ce signalement : Ce champ est obligatoire." in response.get_data(True)
    rpc.answer("reopen_report", Conflict("Ce signalement ne peut plus être rouvert."))
    client.post("/suivi/ESP-2026-000123/rouvrir", data={"cle": "cle-privee", "reason": "x"})
    assert "ne peut plus être rouvert" in client.get(URL).get_data(as_text=True)


def test_pas_de_formulaire_pour_un_signalement_en_cours(client, rpc):
    report = {**tracked_report(), "reopenable_until": None, "expected_by": "2026-12-16"}
    rpc.answer("get_tracked_report", report)
    page = client.get(URL).get_data(as_text=True)
    assert "rouvrir" not in page
    assert "<dt>Traitement attendu avant le</dt><dd>16 décembre 2026</dd>" in page
