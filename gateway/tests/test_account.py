"""Mon compte and its pages, Mon espace, the data export and closing the account."""

from __future__ import annotations

import json

import pytest

from contracts.base import example
from contracts.errors import Forbidden, Invalid, TooManyRequests
from gateway.errors import ServiceUnavailable

from .conftest import CITIZEN_TOKEN, NEW_TOKEN, caller_of, citizen_identity, page_of, session_cookie

CALLER = caller_of(citizen_identity())
ACCOUNT_PAGES = [
    "/compte",
    "/compte/informations",
    "/compte/preferences",
    "/compte/email",
    "/compte/mot-de-passe",
    "/compte/cloturer",
    "/mon-espace",
]


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_account_pages_render_for_a_logged_in_citizen(citizen_client, path):
    response = citizen_client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html and '<main id="contenu"' in html
    assert "style=" not in html and "<script" not in html
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", [*ACCOUNT_PAGES, "/compte/donnees.json"])
def test_account_pages_require_a_login(client, rpc, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/connexion?suite={path}"
    assert rpc.calls == []


def test_overview_summarises_the_account_with_its_actions(citizen_client, rpc):
    html = citizen_client.get("/compte").get_data(as_text=True)
    assert rpc.last("get_account")["args"] == (CALLER,)
    assert "Madame Camille Martin" in html and "69300 Caluire-et-Cuire" in html
    for path in ("/compte/informations", "/compte/preferences", "/compte/email"):
        assert f'href="{path}"' in html
    assert 'href="/compte/donnees.json"' in html and 'href="/compte/cloturer"' in html
    assert 'action="/compte/franceconnect/lier"' in html


def test_overview_shows_the_full_address_on_one_line(citizen_client):
    html = citizen_client.get("/compte").get_data(as_text=True)
    assert "<dd>12 avenue Général de Gaulle, 69300 Caluire-et-Cuire</dd>" in html


@pytest.mark.parametrize("empty", [None, ""])
def test_overview_says_when_no_address_is_given(citizen_client, rpc, empty):
    account = {**example("account"), "street": empty, "postal_code": empty, "city": empty}
    rpc.answer("get_account", account)
    html = citizen_client.get("/compte").get_data(as_text=True)
    assert "<dt>Adresse</dt><dd>Non renseignée</dd>" in html


def test_overview_shows_a_town_without_a_street(citizen_client, rpc):
    rpc.answer("get_account", {**example("account"), "street": None})
    html = citizen_client.get("/compte").get_data(as_text=True)
    assert "<dt>Adresse</dt><dd>69300 Caluire-et-Cuire</dd>" in html


def test_profile_is_prefilled_and_saved(citizen_client, rpc):
    html = citizen_client.get("/compte/informations").get_data(as_text=True)
    assert 'value="12 avenue Général de Gaulle"' in html
    assert '<option value="madame" selected>' in html
    form = {"civility": "", "given_name": " Camille ", "family_name": "Martin", "street": "",
            "postal_code": "69300", "city": "Caluire-et-Cuire", "phone": ""}  # fmt: skip
    response = citizen_client.post("/compte/informations", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/compte"
    assert rpc.last("update_profile")["args"] == (CALLER, {**form, "given_name": "Camille"})


def test_profile_errors_in_french_next_to_the_fields(citizen_client, rpc):
    rpc.answer("update_profile", Invalid("Erreurs", {"postal_code": ["Code postal à 5 chiffres."]}))
    response = citizen_client.post("/compte/informations", data={"postal_code": "693"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="field-postal_code-error"' in html and "Code postal à 5 chiffres." in html
    assert 'value="693"' in html


def test_preferences_send_the_checkbox_as_a_boolean(citizen_client, rpc):
    citizen_client.post("/compte/preferences", data={})
    assert rpc.last("update_preferences")["args"] == (CALLER, {"email_notifications": False})
    citizen_client.post("/compte/preferences", data={"email_notifications": "1"})
    assert rpc.last("update_preferences")["args"] == (CALLER, {"email_notifications": True})


def test_email_change_asks_for_the_current_password(citizen_client, rpc):
    data = {"new_email": "camille@example.net", "current_password": "secret"}
    response = citizen_client.post("/compte/email", data=data)
    assert response.status_code == 303
    assert rpc.last("change_email")["args"] == (CALLER, {**data, "session_token": CITIZEN_TOKEN})
    rpc.answer("change_email", Forbidden("Mot de passe actuel incorrect."))
    refused = citizen_client.post("/compte/email", data=data)
    assert refused.status_code == 403
    assert "Mot de passe actuel incorrect." in refused.get_data(as_text=True)


def test_password_change_puts_the_new_session_token_in_the_cookie(citizen_client, rpc):
    data = {"current_password": "ancien", "new_password": "Nouveau-Mot-2026!",
            "new_password_confirmation": "Nouveau-Mot-2026!"}  # fmt: skip
    response = citizen_client.post("/compte/mot-de-passe", data=data)
    assert response.status_code == 303
    assert rpc.last("change_password")["args"] == (
        CALLER,
        {"current_password": "ancien", "new_password": "Nouveau-Mot-2026!",
         "session_token": CITIZEN_TOKEN},
    )  # fmt: skip
    cookie = session_cookie(response)
    assert cookie.startswith(f"portail_session={NEW_TOKEN};") and "HttpOnly" in cookie


def test_password_change_429_says_when_to_try_again(citizen_client, rpc):
    rpc.answer("change_password", TooManyRequests("Trop de tentatives.", 900))
    data = {"current_password": "ancien", "new_password": "Nouveau-Mot-2026!",
            "new_password_confirmation": "Nouveau-Mot-2026!"}  # fmt: skip
    response = citizen_client.post("/compte/mot-de-passe", data=data)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "900")
    assert "Trop de tentatives." in response.get_data(as_text=True)


def test_export_merges_the_requests_timeline(citizen_client, rpc):
    response = citizen_client.get("/compte/donnees.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "camille.martin@example.org"
    assert data["requests"] == [example("timeline_entry")]
    assert rpc.last("export_data")["args"] == (CALLER,)
    assert rpc.last("list_account_requests")["args"] == (CALLER,)
    assert data["families"] == []


def test_export_holds_the_dossier_unique_with_health_and_history(citizen_client, rpc):
    rpc.answer("list_linked_families", [example("linked_family")])
    rpc.answer("get_dossier", example("dossier"))
    rpc.answer("list_dossier_history", [example("dossier_change")])
    data = json.loads(citizen_client.get("/compte/donnees.json").get_data(as_text=True))
    [family] = data["families"]
    assert family["children"][0]["health"]["allergies"] == "Arachide"
    assert family["history"] == [example("dossier_change")]
    assert rpc.last("get_dossier")["args"] == ({**CALLER, "family_ids": ["4217"]}, "4217")


def test_space_lists_the_timeline_newest_first(citizen_client, rpc):
    older = {**example("timeline_entry"), "reference": "ESP-2026-000001",
             "submitted_at": "2026-01-05T08:00:00+00:00"}  # fmt: skip
    rpc.answer("list_account_requests", [older, example("timeline_entry")])
    html = citizen_client.get("/mon-espace").get_data(as_text=True)
    assert html.index("ESP-2026-000123") < html.index("ESP-2026-000001")
    assert 'class="badge badge--en_cours">En cours' in html
    assert 'href="/suivi/ESP-2026-000123?cle=' in html


def test_space_stays_up_with_a_notice_when_requests_does_not_answer(citizen_client, rpc):
    rpc.answer("list_account_requests", ServiceUnavailable("requests"))
    response = citizen_client.get("/mon-espace")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ne peut pas être affichée pour le moment" in html
    assert "aucune démarche" not in html  # not told that they have none
    assert 'href="/mon-espace/messages"' in html


def test_data_export_is_never_silently_partial(citizen_client, rpc):
    rpc.answer("list_account_requests", ServiceUnavailable("requests"))
    assert citizen_client.get("/compte/donnees.json").status_code == 503


def test_messages_page_lists_what_the_portal_sent(citizen_client, rpc):
    sent = {"id": 3, "subject": "Votre demande LVF-2026-000001 : Déposée",
            "text_body": "Bonjour,\n\nVotre demande est enregistrée.", "status": "sent",
            "created_at": "2026-12-02T09:15:00+00:00",
            "sent_at": "2026-12-02T09:15:01+00:00"}  # fmt: skip
    rpc.answer("list_account_messages", page_of([sent]))
    assert 'href="/mon-espace/messages"' in citizen_client.get("/mon-espace").get_data(True)
    html = citizen_client.get("/mon-espace/messages?page=1").get_data(as_text=True)
    assert "<strong>Votre demande LVF-2026-000001 : Déposée</strong>" in html
    assert "Votre demande est enregistrée." in html
    assert rpc.last("list_account_messages")["args"][1:] == ("1",)
    rpc.answer("list_account_messages", page_of([]))
    html = citizen_client.get("/mon-espace/messages").get_data(as_text=True)
    assert "Aucun message pour le moment." in html


def test_space_has_an_empty_state(citizen_client, rpc):
    rpc.answer("list_account_requests", [])
    html = citizen_client.get("/mon-espace").get_data(as_text=True)
    assert "Vous n'avez encore fait aucune démarche avec ce compte." in html


def test_closing_needs_the_confirmation_then_logs_out(citizen_client, rpc):
    rpc.answer("close_account", Invalid("Erreurs", {"confirm": ["Cochez la case pour confirmer."]}))
    refused = citizen_client.post("/compte/cloturer", data={"current_password": "secret"})
    assert refused.status_code == 422
    assert "Cochez la case pour confirmer." in refused.get_data(as_text=True)
    rpc.answer("close_account", {})
    response = citizen_client.post(
        "/compte/cloturer", data={"confirm": "1", "current_password": "secret"}
    )
    assert rpc.last("close_account")["args"] == (
        CALLER,
        {"confirm": True, "current_password": "secret", "session_token": CITIZEN_TOKEN},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "portail_session=;" in session_cookie(response)
    assert "Votre compte est clôturé" in citizen_client.get("/").get_data(as_text=True)


def test_report_form_is_prefilled_and_sent_with_the_account(citizen_client, rpc):
    html = citizen_client.get("/signalements/nouveau").get_data(as_text=True)
    assert 'value="camille.martin@example.org"' in html
    assert 'value="12 avenue Général de Gaulle, 69300 Caluire-et-Cuire"' in html
    citizen_client.post(
        "/signalements/nouveau",
        data={"category": "voirie", "address": "3 rue Pasteur",
              "description": "Nid-de-poule.", "email": "camille.martin@example.org"},
    )  # fmt: skip
    assert rpc.last("submit_report")["args"][0] == CALLER
    assert CALLER["account_id"] == "3f6c1a52-8d7e-4b0f-9a21-5c4d3e2f1a0b"
