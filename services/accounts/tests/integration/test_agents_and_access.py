"""Agents, roles and who may call what, through the real service; the command line too."""

from __future__ import annotations

import pytest
from accounts import cli

from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.identity import ANONYMOUS

PASSWORD = "Tilleul-Platane-Saône-2026"
AGENT = {
    "email": "dominique.agent@ville-caluire.fr",
    "given_name": "Dominique",
    "family_name": "Agent",
    "roles": ["agent_regie"],
}


@pytest.fixture
def admin(portal, database_url, monkeypatch):
    """An administrator made with the command line, logged in: its RPC caller."""
    monkeypatch.setenv("ACCOUNTS_DATABASE_URL", database_url)
    arguments = ["create-agent", "--email", "admin@ville-caluire.fr", "--given-name", "Ada"]
    arguments += ["--family-name", "Admin", "--role", "admin", "--password", PASSWORD]
    assert cli.main(arguments) == 0
    opened = portal.login(email="admin@ville-caluire.fr")
    assert opened["identity"]["roles"] == ["admin"] and opened["identity"]["kind"] == "agent"
    who = opened["identity"]
    return {"account_id": who["account_id"], "roles": who["roles"], "family_id": None}


def test_agent_invite_definit_son_mot_de_passe_et_recoit_ses_roles(portal, admin):
    created = portal.call("create_agent", admin, AGENT)
    assert (created["kind"], created["roles"], created["has_password"]) == (
        "agent",
        ["agent_regie"],
        False,
    )
    invitation = portal.events.next("password_reset_requested")
    assert invitation["reason"] == "agent_invitation"
    reset = {"token": invitation["reset_token"], "password": "Regie-Municipale-Caluire-2026"}
    portal.call("reset_password", ANONYMOUS, reset)
    opened = portal.login(email=AGENT["email"], password=reset["password"])
    changed = portal.call(
        "set_agent_roles", admin, created["id"], {"roles": ["agent_regie", "admin"]}
    )
    assert changed["roles"] == ["admin", "agent_regie"]
    who = portal.call("resolve_session", ANONYMOUS, opened["session_token"])
    assert who["roles"] == ["admin", "agent_regie"]
    listed = portal.call("list_agents", admin)
    assert [agent["email"] for agent in listed["items"]] == [
        "admin@ville-caluire.fr",
        AGENT["email"],
    ]
    assert (listed["total"], listed["pages"]) == (2, 1)
    second = portal.call("list_agents", admin, 2, 1)
    assert [agent["email"] for agent in second["items"]] == [AGENT["email"]]
    assert (second["page"], second["size"], second["pages"]) == (2, 1, 2)
    with pytest.raises(Invalid) as refused:
        portal.call("list_agents", admin, 1, 1000)
    assert refused.value.fields == {"size": ["Entre 1 et 100 éléments par page."]}


def test_ligne_de_commande_invite_par_l_outbox(portal, database_url, monkeypatch):
    monkeypatch.setenv("ACCOUNTS_DATABASE_URL", database_url)
    arguments = ["create-agent", "--email", AGENT["email"], "--given-name", "Dominique"]
    assert cli.main([*arguments, "--family-name", "Agent", "--role", "agent_regie"]) == 0
    invitation = portal.events.next("password_reset_requested")
    assert (invitation["email"], invitation["reason"]) == (AGENT["email"], "agent_invitation")
    assert cli.main([*arguments, "--family-name", "Agent", "--role", "admin"]) == 1


ADMIN_ONLY = [
    ("create_agent", (AGENT,)),
    ("list_agents", ()),
    ("set_agent_roles", ("inconnu", {"roles": ["admin"]})),
]
LOGGED_IN_ONLY = [
    ("get_account", ()),
    ("update_profile", ({"given_name": "X"},)),
    ("update_preferences", ({"email_notifications": False},)),
    ("change_password", ({"new_password": "Encore-Une-Phrase-De-Passe-1", "session_token": "x"},)),
    ("change_email", ({"new_email": "nouvelle@example.org"},)),
    ("link_franceconnect", ({"identity": {"sub": "abc", "email": "x@example.org"}},)),
    ("unlink_franceconnect", ()),
    ("export_data", ()),
    ("close_account", ({"confirm": True},)),
]
NOBODY = [None, ANONYMOUS, {"account_id": "inconnu", "roles": [], "family_id": None}]


@pytest.mark.parametrize(("method", "args"), ADMIN_ONLY)
@pytest.mark.parametrize("who", ["citoyen", "agent", "anonyme", "aucun"])
def test_methodes_administrateur_refusees_aux_autres(portal, as_caller, method, args, who):
    callers = {"anonyme": ANONYMOUS, "aucun": None}
    if who == "citoyen":
        callers[who] = as_caller(portal.citizen())
    if who == "agent":
        callers[who] = {"account_id": "agent-1", "roles": ["agent_regie"], "family_id": None}
    with pytest.raises(Forbidden):
        portal.call(method, callers[who], *args)
    assert portal.count("outbox_events WHERE event_type = 'password_reset_requested'") == 0


@pytest.mark.parametrize(("method", "args"), LOGGED_IN_ONLY)
@pytest.mark.parametrize("caller", NOBODY, ids=["aucun", "anonyme", "compte_inconnu"])
def test_methodes_du_compte_refusees_sans_connexion(portal, method, args, caller):
    with pytest.raises(Forbidden):
        portal.call(method, caller, *args)
    assert portal.count("accounts") == portal.count("outbox_events") == 0


def test_agent_desactive_perd_ses_sessions_puis_retrouve_l_acces(portal, admin):
    created = portal.call("create_agent", admin, AGENT)
    invitation = portal.events.next("password_reset_requested")
    reset = {"token": invitation["reset_token"], "password": "Regie-Municipale-Caluire-2026"}
    portal.call("reset_password", ANONYMOUS, reset)
    opened = portal.login(email=AGENT["email"], password=reset["password"])

    disabled = portal.call("set_agent_disabled", admin, created["id"], {"disabled": True})
    assert disabled["disabled"] is True
    with pytest.raises(NotFound):
        portal.call("resolve_session", ANONYMOUS, opened["session_token"])
    with pytest.raises(Forbidden, match="désactivé"):
        portal.login(email=AGENT["email"], password=reset["password"])
    with pytest.raises(Forbidden, match="incorrect"):  # nothing said without the password
        portal.login(email=AGENT["email"], password="Mauvais-Mot-De-Passe-1")
    assert [a["disabled"] for a in portal.call("list_agents", admin)["items"]] == [False, True]

    enabled = portal.call("set_agent_disabled", admin, created["id"], {"disabled": False})
    assert enabled["disabled"] is False and enabled["roles"] == ["agent_regie"]
    assert portal.login(email=AGENT["email"], password=reset["password"])["session_token"]


def test_desactivation_reservee_aux_administrateurs_et_pas_de_soi_meme(portal, admin):
    created = portal.call("create_agent", admin, AGENT)
    agent = {"account_id": created["id"], "roles": ["agent_regie"], "family_id": None}
    for caller in (ANONYMOUS, agent):
        with pytest.raises(Forbidden):
            portal.call("set_agent_disabled", caller, created["id"], {"disabled": True})
    with pytest.raises(Conflict, match="propre compte"):
        portal.call("set_agent_disabled", admin, admin["account_id"], {"disabled": True})
    with pytest.raises(Invalid):
        portal.call("set_agent_disabled", admin, created["id"], {"disabled": "peut-être"})
    with pytest.raises(NotFound):
        portal.call("set_agent_disabled", admin, "inconnu", {"disabled": True})


def test_les_agents_d_un_role_listes_pour_leurs_collegues_seulement(portal, admin, as_caller):
    colleague = portal.call("create_agent", admin, {**AGENT, "roles": ["agent_etat_civil"]})
    other = {**AGENT, "email": "alix.autre@ville-caluire.fr", "given_name": "Alix"}
    gone = portal.call("create_agent", admin, {**other, "roles": ["agent_etat_civil", "admin"]})
    portal.call("set_agent_disabled", admin, gone["id"], {"disabled": True})
    portal.call("create_agent", admin, {**other, "email": "vp@ville-caluire.fr", "roles":
                ["agent_vie_pratique"]})  # fmt: skip
    agent = {"account_id": colleague["id"], "roles": ["agent_etat_civil"], "family_id": None}
    for caller in (agent, admin):
        listed = portal.call("list_agents_with_role", caller, "agent_etat_civil")
        assert listed == [{"account_id": colleague["id"], "display_name": "Dominique Agent"}]
    vie_pratique = {"account_id": "agent-vp", "roles": ["agent_vie_pratique"], "family_id": None}
    citizen = as_caller(portal.citizen())
    for caller in (vie_pratique, citizen, ANONYMOUS, None):
        with pytest.raises(Forbidden):
            portal.call("list_agents_with_role", caller, "agent_etat_civil")
    with pytest.raises(Forbidden):
        portal.call("list_agents_with_role", agent, "inconnu")
    with pytest.raises(Invalid) as unknown:
        portal.call("list_agents_with_role", admin, "inconnu")
    assert unknown.value.fields == {"role": ["Rôle inconnu."]}
