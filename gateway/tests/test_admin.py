"""The admin page for agents: admins only, roles as checkboxes with French labels."""

from __future__ import annotations

from contracts.errors import Conflict, Invalid
from contracts.identity import ROLES
from gateway.errors import ServiceUnavailable
from gateway.views.admin import ROLE_LABELS

from .conftest import (
    AGENT_ID,
    agent_account,
    agent_identity,
    caller_of,
    citizen_identity,
    log_in,
    page_of,
)

ADMIN_CALLER = caller_of(agent_identity("admin"))
OTHER_ID = "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b"


def other_agent() -> dict:
    """An agent account that is not the logged-in administrator's (theirs is ``AGENT_ID``)."""
    return {**agent_account(), "id": OTHER_ID, "given_name": "Alix", "family_name": "Martin"}


def test_anonymous_and_citizens_go_to_the_agent_login(client, rpc):
    for identity in (None, citizen_identity()):
        if identity:
            log_in(client, rpc, identity)
        response = client.get("/admin/agents")
        assert response.status_code == 302
        assert response.headers["Location"] == "/agents/connexion?suite=/admin/agents"
    assert rpc.methods() == ["resolve_session"]


def test_agents_without_the_admin_role_are_refused(agent_client, rpc):
    response = agent_client.get("/admin/agents")
    assert response.status_code == 403
    assert "Cette page est réservée aux administrateurs." in response.get_data(as_text=True)
    assert agent_client.post("/admin/agents", data={}).status_code == 403
    assert agent_client.post(f"/admin/agents/{AGENT_ID}/roles", data={}).status_code == 403
    assert rpc.methods() == ["resolve_session"] * 3


def test_admin_page_lists_agents_with_their_roles(admin_client, rpc):
    response = admin_client.get("/admin/agents")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert rpc.last("list_agents")["args"] == (ADMIN_CALLER, None)
    assert f'action="/admin/agents/{AGENT_ID}/roles"' in html
    assert f'id="agent-{AGENT_ID}-roles-agent_regie" checked' in html
    for role in ROLES:
        assert f'value="{role}"' in html
    assert "État civil" in html and "Régie (factures et paiements)" in html
    assert 'href="/admin/agents"' in html  # the header shows admins the way here


def test_admin_creates_an_agent(admin_client, rpc):
    form = {"email": "nouvel.agent@ville-caluire.fr", "given_name": "Alex", "family_name": "Durand",
            "roles": ["agent_etat_civil", "agent_regie"]}  # fmt: skip
    response = admin_client.post("/admin/agents", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/agents"
    assert rpc.last("create_agent")["args"] == (ADMIN_CALLER, form)


def test_refused_creation_shows_french_messages(admin_client, rpc):
    rpc.answer("create_agent", Invalid("Erreurs", {"roles": ["Choisissez au moins un rôle."]}))
    response = admin_client.post("/admin/agents", data={"email": "a@b.fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<a href="#field-roles">Rôles : Choisissez au moins un rôle.</a>' in html
    assert 'id="field-roles-error"' in html and 'value="a@b.fr"' in html


def test_admin_changes_roles(admin_client, rpc):
    response = admin_client.post(f"/admin/agents/{AGENT_ID}/roles", data={"roles": ["admin"]})
    assert response.status_code == 303
    assert rpc.last("set_agent_roles")["args"] == (ADMIN_CALLER, AGENT_ID, {"roles": ["admin"]})


def test_refused_roles_are_shown_next_to_that_agent(admin_client, rpc):
    rpc.answer("set_agent_roles", Invalid("Erreurs", {"roles": ["Choisissez au moins un rôle."]}))
    response = admin_client.post(f"/admin/agents/{AGENT_ID}/roles", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="agent-{AGENT_ID}-roles-error"' in html


def test_admin_role_can_also_see_the_agent_pages(client, rpc):
    log_in(client, rpc, agent_identity("admin"))
    assert client.get("/agents/signalements").status_code == 200
    assert rpc.last("list_reports")["args"][0] == ADMIN_CALLER


def test_every_role_has_a_french_label():
    assert tuple(ROLE_LABELS) == ROLES


def test_messages_page_lists_the_emails(admin_client, rpc):
    html = admin_client.get("/admin/messages?destinataire=camille.martin@example.org").text
    assert rpc.last("list_messages")["args"] == (
        ADMIN_CALLER,
        "camille.martin@example.org",
        None,
    )
    assert "Votre signalement ESP-2026-000123 a bien été reçu" in html and "Envoyé" in html


def test_messages_page_is_for_admins_only(agent_client, rpc):
    assert agent_client.get("/admin/messages").status_code == 403
    assert "list_messages" not in rpc.methods()


def test_messages_page_says_when_notifications_is_unavailable(admin_client, rpc):
    rpc.answer("list_messages", ServiceUnavailable("notifications.list_messages"))
    response = admin_client.get("/admin/messages")
    assert response.status_code == 503
    assert "momentanément indisponible" in response.text


def test_admin_disables_then_enables_an_agent(admin_client, rpc):
    rpc.answer("list_agents", page_of([agent_account(), other_agent()]))
    html = admin_client.get("/admin/agents").get_data(as_text=True)
    assert f'action="/admin/agents/{OTHER_ID}/acces"' in html
    assert "Désactiver le compte de Alix Martin" in html
    response = admin_client.post(f"/admin/agents/{AGENT_ID}/acces", data={"desactiver": "1"})
    assert response.status_code == 303
    assert rpc.last("set_agent_disabled")["args"] == (ADMIN_CALLER, AGENT_ID, {"disabled": True})
    listed = admin_client.get("/admin/agents").get_data(as_text=True)
    assert "désactivé." in listed
    admin_client.post(f"/admin/agents/{AGENT_ID}/acces", data={"desactiver": "0"})
    assert rpc.last("set_agent_disabled")["args"] == (ADMIN_CALLER, AGENT_ID, {"disabled": False})


def test_admin_is_not_offered_to_disable_their_own_account(admin_client, rpc):
    rpc.answer("list_agents", page_of([agent_account(), other_agent()]))
    html = admin_client.get("/admin/agents").get_data(as_text=True)
    assert f'action="/admin/agents/{AGENT_ID}/acces"' not in html
    assert f'action="/admin/agents/{OTHER_ID}/acces"' in html
    assert "(votre compte)" in html
    assert html.count("Désactiver le compte de") == 1


def test_disabling_refused_by_the_service_comes_back_to_the_agents_page(admin_client, rpc):
    rpc.answer("set_agent_disabled", Conflict("Vous ne pouvez pas désactiver votre propre compte."))
    response = admin_client.post(f"/admin/agents/{AGENT_ID}/acces", data={"desactiver": "1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/agents"
    listed = admin_client.get("/admin/agents").get_data(as_text=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in listed
    assert 'class="notice notice--error" role="alert"' in listed


def test_roles_refused_by_the_service_are_shown_next_to_that_agent(admin_client, rpc):
    refusal = "Vous ne pouvez pas retirer votre propre rôle d'administrateur."
    rpc.answer("set_agent_roles", Conflict(refusal))
    response = admin_client.post(f"/admin/agents/{AGENT_ID}/roles", data={"roles": ["agent_regie"]})
    assert response.status_code == 422
    assert "Vous ne pouvez pas retirer votre propre rôle d&#39;administrateur." in response.text


def test_a_disabled_agent_is_shown_with_a_button_to_enable_them(admin_client, rpc):
    rpc.answer(
        "list_agents",
        {
            "items": [{**other_agent(), "disabled": True}],
            "page": 1,
            "size": 50,
            "total": 1,
            "pages": 1,
        },
    )
    html = admin_client.get("/admin/agents").get_data(as_text=True)
    assert "compte désactivé" in html and "Réactiver le compte de" in html


def test_agents_without_the_admin_role_cannot_disable_anyone(agent_client, rpc):
    assert agent_client.post(f"/admin/agents/{AGENT_ID}/acces", data={}).status_code == 403
    assert "set_agent_disabled" not in rpc.methods()


OPEN311_KEY = {
    "id": 4,
    "name": "Appli FixMyStreet",
    "token_hint": "Xk3pQ9",
    "created_at": "2026-12-02T09:00:00+00:00",
    "created_by": "admin-1",
    "revoked_at": None,
    "last_used_at": None,
}


def test_open311_keys_issued_shown_once_then_listed_and_revoked(admin_client, rpc):
    rpc.answer("list_open311_keys", [OPEN311_KEY])
    page = admin_client.get("/admin/open311/cles")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Xk3pQ9…" in html and 'action="/admin/open311/cles/4/revoquer"' in html
    assert 'href="/admin/open311/cles"' in html  # in the admins' header

    token = "Xk3pQ9-le-reste-du-jeton-tres-long-et-aleatoire"
    rpc.answer("create_open311_key", {**OPEN311_KEY, "token": token})
    created = admin_client.post("/admin/open311/cles", data={"name": "Appli FixMyStreet"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    assert f'value="{token}"' in created.get_data(as_text=True)
    assert rpc.last("create_open311_key")["args"] == (ADMIN_CALLER, {"name": "Appli FixMyStreet"})
    assert token not in admin_client.get("/admin/open311/cles").get_data(as_text=True)

    rpc.answer("revoke_open311_key", {**OPEN311_KEY, "revoked_at": "2026-12-02T10:00:00+00:00"})
    revoked = admin_client.post("/admin/open311/cles/4/revoquer")
    assert revoked.status_code == 303
    assert rpc.last("revoke_open311_key")["args"] == (ADMIN_CALLER, 4)


def test_open311_keys_are_for_admins_only(agent_client, rpc):
    assert agent_client.get("/admin/open311/cles").status_code == 403
    assert agent_client.post("/admin/open311/cles", data={"name": "x"}).status_code == 403
    assert "create_open311_key" not in rpc.methods()
