"""Rate limits of the accounts service through the real service, database and broker:
lockouts that end and never shut the owner out, registrations, resets, current passwords."""

from __future__ import annotations

import pytest

from contracts.base import example
from contracts.errors import Forbidden, Invalid, TooManyRequests
from contracts.identity import ANONYMOUS

PASSWORD = "Tilleul-Platane-Saône-2026"
NEW_PASSWORD = "Nouvelle-Phrase-De-Passe-7"
EMAIL = "camille.martin@example.org"


def request_reset(portal, email=EMAIL, ip="192.0.2.1"):
    return portal.call("request_password_reset", ANONYMOUS, {"email": email, "client_ip": ip})


def test_cinq_echecs_bloquent_l_adresse_pour_ce_compte_quinze_minutes(portal):
    portal.citizen()
    for _ in range(5):
        with pytest.raises(Forbidden, match="incorrect"):
            portal.login(password="Mauvais-Mot-De-Passe-1", ip="198.51.100.7")
    with pytest.raises(Forbidden, match="Trop de tentatives : réessayez dans 15 minutes"):
        portal.login(ip="198.51.100.7")
    assert portal.login(ip="198.51.100.8")["session_token"]
    portal.sql("UPDATE login_throttle SET blocked_until = now() - interval '1 second'")
    assert portal.login(ip="198.51.100.7")["session_token"]


def test_un_inconnu_ne_peut_pas_bloquer_le_titulaire(portal):
    portal.citizen()  # logged in once from 192.0.2.1
    for attempt in range(20):
        with pytest.raises(Forbidden, match="incorrect"):
            portal.login(password="Mauvais-Mot-De-Passe-1", ip=f"198.51.100.{attempt}")
    with pytest.raises(Forbidden, match="Trop de tentatives"):
        portal.login(ip="198.51.100.99")
    assert portal.login(ip="192.0.2.1")["session_token"]
    request_reset(portal, ip="203.0.113.50")
    token = portal.events.next("password_reset_requested")["reset_token"]
    portal.call("reset_password", ANONYMOUS, {"token": token, "password": NEW_PASSWORD})
    assert portal.login(password=NEW_PASSWORD, ip="198.51.100.99")["session_token"]


@pytest.mark.parametrize("email", [EMAIL, "personne@example.org"])
def test_demandes_de_reinitialisation_limitees_par_adresse(portal, email):
    portal.citizen()
    answers = [request_reset(portal, email, ip=f"192.0.2.{n}") for n in range(3)]
    assert answers == [{}] * 3
    with pytest.raises(TooManyRequests, match="Trop de demandes"):
        request_reset(portal, email, ip="192.0.2.99")
    assert portal.count("email_tokens WHERE purpose = 'reset_password'") in (0, 3)


def test_inscriptions_limitees_par_adresse_ip_et_par_courriel(portal):
    for n in range(3):
        payload = {**example("register"), "client_ip": f"192.0.2.{n}"}
        assert portal.call("register", ANONYMOUS, payload) == {"email": EMAIL}
    with pytest.raises(TooManyRequests):
        portal.call("register", ANONYMOUS, {**example("register"), "client_ip": "192.0.2.99"})
    for n in range(21):
        payload = {**example("register"), "email": f"p{n}@example.org", "client_ip": "192.0.2.50"}
        if n < 20:
            portal.call("register", ANONYMOUS, payload)
            continue
        with pytest.raises(TooManyRequests):
            portal.call("register", ANONYMOUS, payload)
    assert portal.count("outbox_events") == 23
    assert portal.sql("SELECT count(*) FROM login_throttle WHERE key LIKE '%example.org%'") == [
        (0,)
    ]


def test_mot_de_passe_actuel_faux_limite_et_compte(portal, as_caller):
    current = portal.citizen()
    me = as_caller(current)
    change = {"new_email": "camille@exemple.fr", "current_password": "Faux-Mot-De-Passe-1"}
    for _ in range(5):
        with pytest.raises(Invalid):
            portal.call("change_email", me, change)
    closing = {"current_password": PASSWORD, "confirm": True}
    with pytest.raises(TooManyRequests, match="Trop de tentatives"):
        portal.call("close_account", me, closing)
    portal.sql("UPDATE login_throttle SET blocked_until = now() - interval '1 second'")
    assert portal.call("close_account", me, closing) == {}
