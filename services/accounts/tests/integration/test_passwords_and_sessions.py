"""Registration, login, sessions, resets and limits through the real service, database and broker."""

from __future__ import annotations

import pytest
from accounts import tokens
from argon2 import PasswordHasher

from contracts.base import example
from contracts.errors import Forbidden, Invalid, NotFound
from contracts.identity import ANONYMOUS

PASSWORD = "Tilleul-Platane-Saône-2026"
NEW_PASSWORD = "Nouvelle-Phrase-De-Passe-7"
EMAIL = "camille.martin@example.org"


def test_inscription_confirmation_connexion_resolution_deconnexion(portal):
    answer = portal.call("register", ANONYMOUS, example("register"))
    assert answer == {"email": EMAIL}
    event = portal.events.next("account_registered")
    assert event["email"] == EMAIL and event["email_notifications"] is True
    stored = portal.sql("SELECT token_hash FROM email_tokens")
    assert stored == [(tokens.token_hash(event["verification_token"]),)]
    account = portal.call("verify_email", ANONYMOUS, event["verification_token"], "192.0.2.1")
    assert account["email_verified"] and account["id"] == event["account_id"]
    opened = portal.login()
    assert portal.sql("SELECT token_hash FROM sessions") == [
        (tokens.token_hash(opened["session_token"]),)
    ]
    who = portal.call("resolve_session", ANONYMOUS, opened["session_token"])
    assert who == {**opened["identity"], "display_name": "Camille Martin"}
    assert portal.call("logout", ANONYMOUS, opened["session_token"]) == {}
    with pytest.raises(NotFound):
        portal.call("resolve_session", ANONYMOUS, opened["session_token"])


def test_inscription_en_double_meme_reponse_et_courriel_au_titulaire(portal):
    portal.citizen()
    answer = portal.call(
        "register", ANONYMOUS, {**example("register"), "email": "Camille.Martin@example.org"}
    )
    assert answer == {"email": EMAIL}
    assert portal.events.next("duplicate_registration_attempted")["email"] == EMAIL
    assert portal.count("accounts") == 1


def test_saisie_invalide_n_enregistre_rien(portal):
    for payload in (
        {**example("register"), "email": "pas-une-adresse"},
        {**example("register"), "password": "court"},
    ):
        with pytest.raises(Invalid):
            portal.call("register", ANONYMOUS, payload)
    assert portal.count("accounts") == portal.count("outbox_events") == 0


def test_mauvais_mot_de_passe_et_adresse_inconnue_meme_erreur(portal):
    portal.citizen()
    with pytest.raises(Forbidden) as wrong:
        portal.login(password="Mauvais-Mot-De-Passe-1")
    with pytest.raises(Forbidden) as unknown:
        portal.login(email="personne@example.org")
    assert str(wrong.value) == str(unknown.value) == "Adresse e-mail ou mot de passe incorrect."


def test_adresse_ip_bloquee_apres_vingt_echecs(portal):
    portal.citizen()
    for attempt in range(20):
        with pytest.raises(Forbidden, match="incorrect"):
            portal.login(email=f"inconnu{attempt}@example.org", ip="203.0.113.9")
    with pytest.raises(Forbidden, match="Trop de tentatives"):
        portal.login(ip="203.0.113.9")
    assert portal.login(ip="203.0.113.10")["session_token"]


def test_identifiant_de_session_change_a_chaque_connexion(portal):
    first = portal.citizen()
    second = portal.login()
    assert first["session_token"] != second["session_token"]
    for opened in (first, second):
        portal.call("resolve_session", ANONYMOUS, opened["session_token"])


def test_connexion_sans_confirmation_renvoie_un_lien(portal):
    portal.register()
    with pytest.raises(Forbidden, match="Confirmez d'abord votre adresse e-mail"):
        portal.login()
    fresh = portal.events.next("account_registered")["verification_token"]
    portal.call("verify_email", ANONYMOUS, fresh)
    assert portal.login()["session_token"]


def request_reset(portal, email=EMAIL, ip="192.0.2.1"):
    payload = {"email": email, "client_ip": ip}
    return portal.call("request_password_reset", ANONYMOUS, payload)


def test_reinitialisation_usage_unique_et_sessions_fermees(portal):
    sessions = [portal.citizen(), portal.login()]
    assert request_reset(portal) == {} and request_reset(portal, "personne@example.org") == {}
    event = portal.events.next("password_reset_requested")
    assert event["reason"] == "forgotten_password"
    reset = {"token": event["reset_token"], "password": NEW_PASSWORD}
    assert portal.call("reset_password", ANONYMOUS, reset) == {}
    assert portal.events.next("password_changed")["email"] == EMAIL
    for opened in sessions:
        with pytest.raises(NotFound):
            portal.call("resolve_session", ANONYMOUS, opened["session_token"])
    with pytest.raises(NotFound):
        portal.call("reset_password", ANONYMOUS, {**reset, "password": "Encore-Une-Autre-Phrase-8"})
    assert portal.login(password=NEW_PASSWORD)["session_token"]


def test_lien_de_reinitialisation_expire(portal):
    portal.citizen()
    request_reset(portal)
    token = portal.events.next("password_reset_requested")["reset_token"]
    portal.sql("UPDATE email_tokens SET expires_at = now() - interval '1 second'")
    with pytest.raises(NotFound):
        portal.call("reset_password", ANONYMOUS, {"token": token, "password": NEW_PASSWORD})


def test_changement_de_mot_de_passe_ferme_les_autres_sessions(portal, as_caller):
    other, current = portal.citizen(), portal.login()
    payload = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "session_token": current["session_token"],
    }
    with pytest.raises(Invalid):
        portal.call("change_password", as_caller(current), {**payload, "current_password": "x"})
    renewed = portal.call("change_password", as_caller(current), payload)
    for ended in (other, current):
        with pytest.raises(NotFound):
            portal.call("resolve_session", ANONYMOUS, ended["session_token"])
    assert portal.call("resolve_session", ANONYMOUS, renewed["session_token"])
    assert portal.login(password=NEW_PASSWORD)["session_token"]


def test_hash_refait_quand_les_parametres_changent(portal):
    portal.citizen()
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    portal.sql("UPDATE accounts SET password_hash = :weak", weak=weak)
    portal.login()
    ((stored,),) = portal.sql("SELECT password_hash FROM accounts")
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)
    assert portal.login()["session_token"]
