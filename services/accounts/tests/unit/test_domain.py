"""Rules of accounts, checked with plain objects, an in-memory store and a list of events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from accounts import agents, credentials, domain, franceconnect, tokens

from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
PASSWORD = "Tilleul-Platane-Saône-2026"
REGISTER = {**example("register"), "email": "Camille.Martin@Example.org"}
FC_IDENTITY = example("franceconnect_login")["identity"]


def registered(store, emit, *, verified=True):
    domain.register(store, emit, dict(REGISTER), NOW)
    account = store.accounts[-1]
    if verified:
        token = emit.of("account_registered")[-1]["verification_token"]
        domain.verify_email(store, emit, token, "", NOW).unwrap()
    return account


def login(store, emit, password=PASSWORD, email="camille.martin@example.org", ip="1.2.3.4"):
    data = {"email": email, "password": password, "client_ip": ip}
    return credentials.login(store, emit, data, NOW).unwrap()


def test_inscription_annonce_un_lien_dont_seul_le_hash_est_garde(store, emit):
    answer = domain.register(store, emit, dict(REGISTER), NOW)
    assert answer == {"email": "camille.martin@example.org"}
    (event,) = emit.of("account_registered")
    (row,) = store.email_tokens
    assert row.token_hash == tokens.token_hash(event["verification_token"])
    assert event["expires_at"] == NOW + timedelta(hours=24)
    account = store.accounts[0]
    assert (account.email, account.email_verified, account.kind) == (
        event["email"],
        False,
        "citizen",
    )
    assert account.password_hash.startswith("$argon2id$")


def test_inscription_avec_une_adresse_connue_repond_pareil(store, emit):
    registered(store, emit)
    answer = domain.register(store, emit, {**REGISTER, "password": "Autre-Phrase-De-Passe-9"}, NOW)
    assert answer == {"email": "camille.martin@example.org"}
    assert len(store.accounts) == 1
    assert emit.of("duplicate_registration_attempted")[0]["account_id"] == store.accounts[0].id


def test_inscription_refuse_un_mot_de_passe_faible(store, emit):
    with pytest.raises(Invalid) as refused:
        domain.register(store, emit, {**REGISTER, "password": "Camille2026"}, NOW)
    assert list(refused.value.fields) == ["password"]
    assert store.accounts == [] and emit == []


def test_lien_de_confirmation_a_usage_unique_et_expirant(store, emit):
    registered(store, emit, verified=False)
    token = emit.of("account_registered")[0]["verification_token"]
    late = domain.verify_email(store, emit, token, "", NOW + timedelta(hours=25))
    assert isinstance(late.error, NotFound)
    assert domain.verify_email(store, emit, token, "", NOW).unwrap()["email_verified"]
    assert isinstance(domain.verify_email(store, emit, token, "", NOW).error, NotFound)


def test_liens_de_confirmation_faux_comptes_par_ip(store, emit):
    for _ in range(20):
        assert isinstance(domain.verify_email(store, emit, "faux", "9.9.9.9", NOW).error, NotFound)
    blocked = domain.verify_email(store, emit, "faux", "9.9.9.9", NOW).error
    assert isinstance(blocked, Forbidden) and str(blocked).startswith("Trop de tentatives")


def test_connexion_ouvre_une_session_nouvelle_a_chaque_fois(store, emit):
    registered(store, emit)
    first, second = login(store, emit), login(store, emit)
    assert first["session_token"] != second["session_token"]
    assert first["identity"]["display_name"] == "Camille Martin"
    assert len(store.login_sessions) == 2


def test_mauvais_mot_de_passe_et_adresse_inconnue_meme_refus(store, emit):
    registered(store, emit)
    with pytest.raises(Forbidden) as wrong:
        login(store, emit, password="Mauvais-Mot-De-Passe-1")
    with pytest.raises(Forbidden) as unknown:
        login(store, emit, email="personne@example.org")
    assert str(wrong.value) == str(unknown.value) == credentials.LOGIN_FAILED


@pytest.mark.parametrize("email", ["camille.martin@example.org", "personne@example.org"])
def test_cinq_echecs_depuis_une_adresse_la_bloquent_pour_ce_compte_existant_ou_non(
    store, emit, email
):
    registered(store, emit)
    for _ in range(5):
        with pytest.raises(Forbidden, match="incorrect"):
            login(store, emit, password="Mauvais-Mot-De-Passe-1", email=email, ip="10.0.0.1")
    with pytest.raises(Forbidden, match="Trop de tentatives"):
        login(store, emit, email=email, ip="10.0.0.1")


@pytest.mark.parametrize("email", ["camille.martin@example.org", "personne@example.org"])
def test_vingt_echecs_de_partout_bloquent_les_adresses_inconnues_du_compte(store, emit, email):
    registered(store, emit)
    for attempt in range(20):
        with pytest.raises(Forbidden, match="incorrect"):
            login(
                store, emit, password="Mauvais-Mot-De-Passe-1", email=email, ip=f"10.0.1.{attempt}"
            )
    with pytest.raises(Forbidden, match="Trop de tentatives"):
        login(store, emit, email=email, ip="10.0.0.99")


def test_un_inconnu_ne_bloque_pas_le_titulaire_chez_lui(store, emit):
    registered(store, emit)
    login(store, emit, ip="192.0.2.1")
    for attempt in range(20):
        with pytest.raises(Forbidden):
            login(store, emit, password="Mauvais-Mot-De-Passe-1", ip=f"10.0.2.{attempt}")
    with pytest.raises(Forbidden, match="Trop de tentatives"):
        login(store, emit, ip="10.0.0.99")
    assert login(store, emit, ip="192.0.2.1")["session_token"]


def test_la_reinitialisation_leve_le_blocage_du_compte(store, emit):
    account = registered(store, emit)
    for attempt in range(20):
        with pytest.raises(Forbidden):
            login(store, emit, password="Mauvais-Mot-De-Passe-1", ip=f"10.0.3.{attempt}")
    with pytest.raises(Forbidden, match="Trop de tentatives"):
        login(store, emit, ip="10.0.3.1")
    credentials.request_password_reset(store, emit, {"email": account.email, "client_ip": ""}, NOW)
    token = emit.of("password_reset_requested")[-1]["reset_token"]
    credentials.reset_password(
        store, emit, {"token": token, "password": "Nouvelle-Phrase-De-Passe-7"}, NOW
    )
    assert login(store, emit, password="Nouvelle-Phrase-De-Passe-7", ip="10.0.3.1")["session_token"]


def test_adresse_non_confirmee_renvoie_un_lien(store, emit):
    registered(store, emit, verified=False)
    with pytest.raises(Forbidden, match="Confirmez d'abord"):
        login(store, emit)
    assert len(emit.of("account_registered")) == 2
    assert store.login_sessions == []


def test_reinitialisation_ferme_les_sessions_sans_connecter(store, emit):
    account = registered(store, emit)
    login(store, emit)
    assert (
        credentials.request_password_reset(
            store, emit, {"email": account.email, "client_ip": "1.2.3.4"}, NOW
        )
        == {}
    )
    token = emit.of("password_reset_requested")[0]["reset_token"]
    new = {"token": token, "password": "Nouvelle-Phrase-De-Passe-7"}
    assert credentials.reset_password(store, emit, new, NOW) == {}
    assert all(row.revoked_at == NOW for row in store.login_sessions)
    assert len(store.login_sessions) == 1
    with pytest.raises(NotFound):
        credentials.reset_password(store, emit, new, NOW)


@pytest.mark.parametrize("email", ["camille.martin@example.org", "personne@example.org"])
def test_demandes_de_reinitialisation_limitees_par_adresse_existante_ou_non(store, emit, email):
    registered(store, emit)
    for attempt in range(3):
        data = {"email": email, "client_ip": f"1.2.3.{attempt}"}
        assert credentials.request_password_reset(store, emit, data, NOW) == {}
    with pytest.raises(TooManyRequests, match="Trop de demandes") as refused:
        credentials.request_password_reset(
            store, emit, {"email": email, "client_ip": "9.9.9.9"}, NOW
        )
    assert refused.value.retry_after == 3600
    later = NOW + timedelta(hours=1)
    assert (
        credentials.request_password_reset(store, emit, {"email": email, "client_ip": ""}, later)
        == {}
    )


def test_inscriptions_limitees_par_adresse_ip_et_par_courriel(store, emit):
    for attempt in range(20):
        data = {**REGISTER, "email": f"personne{attempt}@example.org", "client_ip": "1.2.3.4"}
        domain.register(store, emit, data, NOW)
    with pytest.raises(TooManyRequests) as refused:
        domain.register(store, emit, {**REGISTER, "client_ip": "1.2.3.4"}, NOW)
    assert refused.value.retry_after == 3600
    for attempt in range(3):
        domain.register(store, emit, {**REGISTER, "client_ip": f"5.6.7.{attempt}"}, NOW)
    with pytest.raises(TooManyRequests):
        domain.register(store, emit, {**REGISTER, "client_ip": "5.6.7.99"}, NOW)
    assert (
        len(emit.of("account_registered")) + len(emit.of("duplicate_registration_attempted")) == 23
    )


def test_mot_de_passe_actuel_faux_cinq_fois_bloque_les_changements(store, emit):
    account = registered(store, emit)
    change = {"new_email": "autre@example.org", "current_password": "Faux-Mot-De-Passe-1"}
    for _ in range(5):
        error = domain.change_email(store, emit, account, change, NOW).error
        assert isinstance(error, Invalid)
    change["current_password"] = PASSWORD
    assert isinstance(domain.change_email(store, emit, account, change, NOW).error, TooManyRequests)
    closing = {"current_password": PASSWORD, "confirm": True}
    assert isinstance(
        domain.close_account(store, emit, account, closing, NOW).error, TooManyRequests
    )
    later = NOW + timedelta(minutes=15)
    assert domain.change_email(store, emit, account, change, later).error is None


def test_franceconnect_premiere_connexion_cree_un_compte_prerempli(store, emit):
    opened = franceconnect.login(store, FC_IDENTITY, "1.2.3.4", NOW)
    (account,) = store.accounts
    assert (account.given_name, account.family_name, account.civility) == (
        "Angela Claire Louise",
        "DUBOIS",
        "madame",
    )
    assert account.email_verified and account.password_hash is None
    assert opened["identity"]["via_franceconnect"]
    franceconnect.login(store, FC_IDENTITY, "1.2.3.4", NOW)
    assert len(store.accounts) == 1


def test_franceconnect_ne_lie_jamais_par_adresse(store, emit):
    registered(store, emit)
    identity = {**FC_IDENTITY, "email": "Camille.Martin@example.org"}
    with pytest.raises(Conflict, match="liez FranceConnect depuis « Mon compte »"):
        franceconnect.login(store, identity, "1.2.3.4", NOW)
    assert store.accounts[0].franceconnect is None


def test_delier_franceconnect_refuse_quand_seul_moyen(store, emit):
    franceconnect.login(store, FC_IDENTITY, "", NOW)
    account = store.accounts[0]
    with pytest.raises(Conflict, match="seul moyen de connexion"):
        franceconnect.unlink(store, account)
    other = registered(store, emit)
    with pytest.raises(Conflict):
        franceconnect.link(store, other, FC_IDENTITY, NOW)


def test_fermeture_anonymise(store, emit):
    account = registered(store, emit)
    address = account.email
    login(store, emit)
    domain.close_account(store, emit, account, {"current_password": PASSWORD}, NOW)
    assert account.email == f"closed-{account.id}@invalid"
    assert (account.given_name, account.phone, account.password_hash) == ("", "", None)
    assert all(row.revoked_at == NOW and row.client_ip == "" for row in store.login_sessions)
    # The other services learn which address to forget; this one forgets its own copies.
    assert emit.of("account_closed") == [{"account_id": account.id, "email": address}]
    assert store.forgotten == [address]


def test_agent_invite_pour_72_heures_et_ne_retire_pas_son_propre_admin(store, emit):
    data = {"email": "a@ville.fr", "given_name": "A", "family_name": "B", "roles": ["admin"]}
    agent = agents.create_agent(store, emit, data, NOW)
    (invitation,) = emit.of("password_reset_requested")
    assert invitation["reason"] == "agent_invitation"
    assert invitation["expires_at"] == NOW + timedelta(hours=72)
    assert agent.password_hash is None and agent.roles == ["admin"]
    me = {"account_id": agent.id, "roles": ["admin"], "family_id": None}
    with pytest.raises(Conflict):
        agents.set_roles(store, me, agent.id, ["agent_regie"])
    with pytest.raises(NotFound):
        agents.set_roles(store, me, "inconnu", ["agent_regie"])
