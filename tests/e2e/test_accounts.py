"""Citizen and agent accounts through the gateway: registration, e-mail confirmation, login,
Mon espace, forgotten password, data export, closing, agent pages and the admin's agents.

Every visitor is a ``helpers.client()``: its own address for the per-IP rate limits.
"""

from __future__ import annotations

import json
import re

import requests

RESET_SUBJECT = "Réinitialisez votre mot de passe"
INVITATION_SUBJECT = "Votre accès agent au portail"
PASSWORD_CHANGED_SUBJECT = "Votre mot de passe a été modifié"
LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop de tentatives"
SESSION_COOKIE = "portail_session"


def with_cookie(helpers, token: str) -> requests.Session:
    session = helpers.client()
    session.cookies.set(SESSION_COOKIE, token)
    return session


def test_inscription_confirmation_connexion_mon_espace_export_et_deconnexion(
    stack, portal, helpers, new_email
):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    citizen = portal.citizen_session(email, password)

    form = helpers.Page(portal.get("/signalements/nouveau", citizen).text)
    assert form.values["email"] == email
    assert form.values["address"] == "3 rue Jean Moulin, 69300 Caluire-et-Cuire"
    fields = helpers.report_fields(email, {"address": form.values["address"]})
    answer = portal.submit_form(fields, session=citizen)
    assert answer.status_code == 303, answer.text[:500]
    number = helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0)

    space = portal.get("/mon-espace", citizen)
    assert space.status_code == 200
    assert number in space.text

    export = portal.get("/compte/donnees.json", citizen)
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("application/json")
    assert "attachment" in export.headers["Content-Disposition"]
    data = export.json()
    assert email in json.dumps(data, ensure_ascii=False)
    assert number in json.dumps(data["requests"]), data["requests"]

    token = citizen.cookies.get(SESSION_COOKIE)
    answer = portal.post_form(citizen, "/deconnexion", {}, form_page="/compte")
    assert answer.status_code == 303
    assert portal.is_logged_out(citizen)
    assert portal.is_logged_out(with_cookie(helpers, token)), "the old cookie still works"


def test_mauvais_mot_de_passe_et_adresse_inconnue_donnent_la_meme_page(
    stack, portal, helpers, new_email
):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    unknown = new_email("inconnue")

    def refusal(address: str) -> str:
        answer = portal.log_in(helpers.client(), address, "Pas-le-bon-mot-de-passe-42!")
        assert answer.status_code == 403
        assert LOGIN_FAILED in answer.text
        assert SESSION_COOKIE not in answer.cookies
        page = answer.text.replace(address, "ADRESSE")
        return re.sub(r'(name="csrf_token" value=|nonce=)"[^"]*"', r'\1""', page)

    assert refusal(email) == refusal(unknown)


def test_trop_de_tentatives_bloquent_les_inconnus_mais_pas_le_titulaire_chez_lui(
    stack, portal, helpers, new_email
):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    owner = portal.citizen_session(email, password)  # the owner's own address, now known

    for _ in range(20):  # each try from another address: the account-wide limit
        answer = portal.log_in(helpers.client(), email, "Mauvais-mot-de-passe-2024!")
        assert answer.status_code == 403
    answer = portal.log_in(helpers.client(), email, password)

    assert answer.status_code == 403
    assert TOO_MANY in answer.text
    assert SESSION_COOKIE not in answer.cookies
    assert portal.log_in(owner, email, password).status_code == 303


def test_mot_de_passe_oublie_ferme_les_sessions_sans_connecter(stack, portal, helpers, new_email):
    email, old, new = new_email(), helpers.new_password(), helpers.new_password()
    portal.register_and_confirm(email, old)
    earlier = portal.citizen_session(email, old)

    visitor = helpers.client()
    answer = portal.post_form(visitor, "/mot-de-passe-oublie", {"email": email})
    assert answer.status_code == 200
    link = portal.mail_link(email, RESET_SUBJECT, "/mot-de-passe/nouveau")
    assert portal.get(link, visitor).status_code == 200
    answer = portal.post_form(visitor, link, {"password": new, "password_confirmation": new})

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/connexion")
    assert not visitor.cookies.get(SESSION_COOKIE), "a reset must not log in"
    assert portal.is_logged_out(visitor)
    assert portal.is_logged_out(earlier), "the sessions opened before the reset still work"
    assert portal.log_in(helpers.client(), email, old).status_code == 403
    portal.citizen_session(email, new)
    stack.wait_for_message(email, PASSWORD_CHANGED_SUBJECT)
    again = portal.post_form(
        helpers.client(), link, {"password": old, "password_confirmation": old}
    )
    assert again.status_code == 404, "a reset link serves once"


def test_cloture_du_compte_deconnecte_et_interdit_la_connexion(stack, portal, helpers, new_email):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    citizen = portal.citizen_session(email, password)

    answer = portal.post_form(
        citizen, "/compte/cloturer", {"confirm": "1", "current_password": password}
    )

    assert answer.status_code == 303
    assert portal.is_logged_out(citizen)
    assert portal.log_in(helpers.client(), email, password).status_code == 403


def test_les_pages_agents_sont_refusees_a_un_citoyen(stack, portal, helpers, new_email):
    email, password = new_email(), helpers.new_password()
    portal.register_and_confirm(email, password)
    citizen = portal.citizen_session(email, password)

    for path in ("/agents/signalements", "/admin/agents"):
        answer = portal.get(path, citizen, allow_redirects=False)
        assert answer.status_code in (302, 303), path
        assert "/agents/connexion" in answer.headers["Location"], path
    refused = portal.post_form(
        helpers.client(), "/agents/connexion", {"email": email, "password": password}
    )
    assert refused.status_code == 403
    assert SESSION_COOKIE not in refused.cookies

    agent = portal.agent_session()
    assert portal.get("/agents/signalements", agent).status_code == 200
    assert portal.get("/admin/agents", agent).status_code == 403, "admin needs the role admin"


def test_l_administrateur_cree_un_agent_qui_choisit_son_mot_de_passe(
    stack, portal, helpers, new_email
):
    answer = portal.submit_form(helpers.report_fields(new_email("citoyen")))
    number = helpers.TRACKING_NUMBER.search(answer.headers["Location"]).group(0)
    admin = portal.agent_session(stack.admin_login)
    email, password = new_email("agent"), helpers.new_password()

    created = portal.post_form(
        admin,
        "/admin/agents",
        {
            "email": email,
            "given_name": "Sacha",
            "family_name": "Recrue",
            "roles": "agent_espace_public",
        },
    )
    assert created.status_code == 303, created.text[:500]
    assert email in portal.get("/admin/agents", admin).text

    link = portal.mail_link(email, INVITATION_SUBJECT, "/mot-de-passe/nouveau")
    visitor = helpers.client()
    chosen = portal.post_form(
        visitor, link, {"password": password, "password_confirmation": password}
    )
    assert chosen.status_code == 303, chosen.text[:500]
    agent = portal.agent_session((email, password))
    listing = portal.get("/agents/signalements", agent)
    assert listing.status_code == 200
    assert number in listing.text
    assert portal.get("/admin/agents", agent).status_code == 403
