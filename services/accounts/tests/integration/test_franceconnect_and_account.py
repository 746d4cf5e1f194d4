"""FranceConnect, profile, e-mail change, export and closing through the real service."""

from __future__ import annotations

import time

import pytest

from contracts.base import example
from contracts.errors import Conflict, Forbidden, NotFound
from contracts.identity import ANONYMOUS

PASSWORD = "Tilleul-Platane-Saône-2026"
FC_LOGIN = example("franceconnect_login")


def fc_login(portal, **identity):
    payload = {**FC_LOGIN, "identity": {**FC_LOGIN["identity"], **identity}}
    return portal.call("franceconnect_login", ANONYMOUS, payload)


def test_premiere_connexion_franceconnect_cree_un_compte_prerempli(portal, as_caller):
    opened = fc_login(portal)
    assert opened["identity"]["via_franceconnect"] is True
    account = portal.call("get_account", as_caller(opened))
    assert (account["given_name"], account["family_name"], account["civility"]) == (
        "Angela Claire Louise",
        "DUBOIS",
        "madame",
    )
    assert account["email_verified"] and account["franceconnect_linked"]
    assert account["has_password"] is False
    again = fc_login(portal)
    assert again["identity"]["account_id"] == opened["identity"]["account_id"]
    assert portal.count("accounts") == 1
    who = portal.call("resolve_session", ANONYMOUS, again["session_token"])
    assert who["via_franceconnect"] is True


def test_adresse_deja_utilisee_conflit_sans_liaison(portal):
    portal.citizen("angela.dubois@example.org")
    with pytest.raises(Conflict, match="connectez-vous avec votre mot de passe"):
        fc_login(portal)
    assert portal.count("franceconnect_links") == 0
    assert portal.count("accounts") == 1


def test_lier_puis_delier_franceconnect(portal, as_caller):
    opened = portal.citizen("angela.dubois@example.org")
    account = portal.call("link_franceconnect", as_caller(opened), FC_LOGIN)
    assert account["franceconnect_linked"]
    assert fc_login(portal)["identity"]["account_id"] == account["id"]
    other = portal.citizen("autre@example.org")
    with pytest.raises(Conflict, match="déjà liée à un autre compte"):
        portal.call("link_franceconnect", as_caller(other), FC_LOGIN)
    unlinked = portal.call("unlink_franceconnect", as_caller(opened))
    assert unlinked["franceconnect_linked"] is False
    assert portal.count("franceconnect_links") == 0


def test_delier_refuse_quand_franceconnect_est_le_seul_moyen(portal, as_caller):
    opened = fc_login(portal)
    with pytest.raises(Conflict, match="seul moyen de connexion"):
        portal.call("unlink_franceconnect", as_caller(opened))
    payload = {"new_password": PASSWORD, "session_token": opened["session_token"]}
    renewed = portal.call("change_password", as_caller(opened), payload)
    assert renewed["identity"]["via_franceconnect"] is True
    assert portal.call("unlink_franceconnect", as_caller(renewed))["has_password"]


def test_profil_preferences_et_changement_d_adresse(portal, as_caller):
    opened = portal.citizen()
    me = as_caller(opened)
    profile = portal.call("update_profile", me, {"given_name": "Camille", "phone": ""})
    assert profile["phone"] == "" and profile["civility"] is None
    portal.call("update_preferences", me, {"email_notifications": False})
    assert portal.events.next("notification_preferences_changed")["email_notifications"] is False
    change = {"new_email": "camille@exemple.fr", "current_password": PASSWORD}
    assert portal.call("change_email", me, change) == {}
    token = portal.events.next("email_change_requested")["verification_token"]
    assert portal.call("verify_email", ANONYMOUS, token)["email"] == "camille@exemple.fr"
    changed = portal.events.next("account_email_changed")
    assert (changed["previous_email"], changed["email"]) == (
        "camille.martin@example.org",
        "camille@exemple.fr",
    )
    with pytest.raises(NotFound):
        portal.call("resolve_session", ANONYMOUS, opened["session_token"])
    assert portal.login(email="camille@exemple.fr")["session_token"]


def test_export_des_donnees(portal, as_caller):
    opened = portal.citizen("angela.dubois@example.org")
    portal.call("link_franceconnect", as_caller(opened), FC_LOGIN)
    export = portal.call("export_data", as_caller(opened))
    assert export["account"]["email"] == "angela.dubois@example.org"
    assert export["franceconnect"]["identity"]["birthdate"] == "1962-08-24"
    assert [row["client_ip"] for row in export["sessions"]] == ["192.0.2.1"]


def test_fermeture_anonymise_et_termine_les_sessions(portal, as_caller):
    opened = portal.citizen("angela.dubois@example.org")
    me = as_caller(opened)
    portal.call("link_franceconnect", me, FC_LOGIN)
    assert portal.call("close_account", me, {"current_password": PASSWORD, "confirm": True}) == {}
    assert portal.events.next("account_closed")["account_id"] == me["account_id"]
    ((email, given, street, password, closed),) = portal.sql(
        "SELECT email, given_name, street, password_hash, closed_at FROM accounts"
    )
    assert (email, given, street, password) == (f"closed-{me['account_id']}@invalid", "", "", None)
    assert closed is not None
    assert portal.count("franceconnect_links") == 0
    with pytest.raises(NotFound):
        portal.call("resolve_session", ANONYMOUS, opened["session_token"])
    with pytest.raises(Forbidden):
        portal.call("get_account", me)
    with pytest.raises(Forbidden, match="incorrect"):
        portal.login(email="angela.dubois@example.org")
    assert fc_login(portal)["identity"]["account_id"] != me["account_id"]


def reauthenticate(portal, opened, *, seconds_ago: int = 0, sub: str | None = None):
    proof = {
        "session_token": opened["session_token"],
        "identity": {**FC_LOGIN["identity"], **({"sub": sub} if sub else {})},
        "auth_time": int(time.time()) - seconds_ago,
    }
    me = caller_of_session(opened)
    return portal.call("confirm_reauthentication", me, proof)


def caller_of_session(opened):
    who = opened["identity"]
    return {"account_id": who["account_id"], "roles": who["roles"], "family_id": None}


def test_compte_franceconnect_seul_se_reidentifie_avant_de_changer_d_adresse(portal):
    opened = fc_login(portal)
    me = caller_of_session(opened)
    change = {"new_email": "angela@exemple.fr", "session_token": opened["session_token"]}
    with pytest.raises(Forbidden, match="confirmez d'abord votre identité avec FranceConnect"):
        portal.call("change_email", me, change)
    with pytest.raises(Forbidden, match="ne confirme pas"):
        reauthenticate(portal, opened, seconds_ago=600)
    with pytest.raises(Forbidden, match="ne confirme pas"):
        reauthenticate(portal, opened, sub="une-autre-identite")
    assert reauthenticate(portal, opened) == {}
    assert portal.call("change_email", me, change) == {}
    assert portal.events.next("email_change_requested")["new_email"] == "angela@exemple.fr"


def test_reidentification_valable_cinq_minutes_et_pour_cette_session_seulement(portal):
    opened, other = fc_login(portal), fc_login(portal)
    me = caller_of_session(opened)
    reauthenticate(portal, opened)
    closing = {"confirm": True, "session_token": other["session_token"]}
    with pytest.raises(Forbidden, match="FranceConnect"):
        portal.call("close_account", me, closing)
    portal.sql("UPDATE sessions SET reauthenticated_at = now() - interval '6 minutes'")
    with pytest.raises(Forbidden, match="FranceConnect"):
        portal.call("close_account", me, {**closing, "session_token": opened["session_token"]})
    reauthenticate(portal, opened)
    assert (
        portal.call("close_account", me, {**closing, "session_token": opened["session_token"]})
        == {}
    )
