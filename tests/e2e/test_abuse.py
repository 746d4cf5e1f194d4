"""Abuse and session safety across the whole portal: redirects after login, e-mail floods,
mails to unconfirmed addresses and disabled agents (FranceConnect re-authentication is in
``test_franceconnect.py``, beside its helpers).

Every visitor is a ``helpers.client()``: its own address for the per-IP rate limits.
"""

from __future__ import annotations

import re

TOO_MANY_MAILS = "Trop de demandes : réessayez dans une heure."
DISABLED = "Ce compte est désactivé"


def test_la_connexion_ne_renvoie_jamais_hors_du_site(stack, portal, helpers, new_email):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    for suite in ("/%09/evil.example/", "/%0A/evil.example/", "/%5Cevil.example", "https:evil"):
        visitor = helpers.client()
        token = portal.csrf(visitor, "/connexion")
        answer = visitor.post(
            portal.url(f"/connexion?suite={suite}"),
            data={"email": email, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 303, (suite, answer.status_code)
        assert answer.headers["Location"] == "/mon-espace", suite


def test_les_demandes_de_reinitialisation_pour_une_adresse_sont_limitees(
    stack, portal, helpers, new_email
):
    email = new_email()
    for _ in range(3):
        answer = portal.post_form(helpers.client(), "/mot-de-passe-oublie", {"email": email})
        assert answer.status_code == 200, answer.text[:300]
    refused = portal.post_form(helpers.client(), "/mot-de-passe-oublie", {"email": email})
    assert refused.status_code == 429
    assert TOO_MANY_MAILS in refused.text


def test_la_confirmation_d_un_signalement_ne_reprend_pas_le_texte_saisi(
    stack, portal, helpers, new_email
):
    email = new_email()
    typed = {"description": "Gagnez 1000 euros sur arnaque.example", "address": "Appelez le 0899"}
    answer = portal.submit_form(helpers.report_fields(email, typed))
    assert answer.status_code == 303, answer.text[:500]
    number = helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0)
    mail = stack.wait_for_message(email, f"Votre signalement {number} a bien été reçu")
    for body in (mail["text"], mail.get("html", "")):
        assert "arnaque" not in body and "0899" not in body


def test_un_agent_desactive_perd_sa_session_puis_la_retrouve(stack, portal, helpers, new_email):
    admin = portal.agent_session(stack.admin_login)
    email, password = new_email("agent"), helpers.new_password()
    created = portal.post_form(
        admin,
        "/admin/agents",
        {
            "email": email,
            "given_name": "Alix",
            "family_name": "Suspendu",
            "roles": "agent_espace_public",
        },
    )
    assert created.status_code == 303, created.text[:500]
    link = portal.mail_link(email, "Votre accès agent au portail", "/mot-de-passe/nouveau")
    chosen = portal.post_form(
        helpers.client(), link, {"password": password, "password_confirmation": password}
    )
    assert chosen.status_code == 303
    agent = portal.agent_session((email, password))
    listing = portal.get("/admin/agents", admin).text
    agent_id = re.search(
        rf'<p>{re.escape(email)}.*?action="/admin/agents/([^/"]+)/acces"', listing, re.S
    ).group(1)

    off = portal.post_form(
        admin, f"/admin/agents/{agent_id}/acces", {"desactiver": "1"}, "/admin/agents"
    )
    assert off.status_code == 303, off.text[:500]
    assert portal.get("/agents/signalements", agent, allow_redirects=False).status_code == 302
    login = {"email": email, "password": password}
    refused = portal.post_form(helpers.client(), "/agents/connexion", login)
    assert refused.status_code == 403 and DISABLED in refused.text

    on = portal.post_form(
        admin, f"/admin/agents/{agent_id}/acces", {"desactiver": "0"}, "/admin/agents"
    )
    assert on.status_code == 303
    assert portal.get("/agents/signalements", portal.agent_session((email, password))).ok
