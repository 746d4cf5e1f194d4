"""Link and session tokens: random, hashed, single use, expiring; sessions and throttles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from accounts import sessions, throttle, tokens

from contracts.errors import NotFound

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_jetons_aleatoires_et_seul_le_hash_est_garde():
    first, second = tokens.new_token(), tokens.new_token()
    assert first != second and len(first) >= 43
    assert tokens.token_hash(first) != first and len(tokens.token_hash(first)) == 64
    assert tokens.token_hash(first) == tokens.token_hash(first)


def test_jeton_utilisable_une_fois_avant_expiration():
    row = SimpleNamespace(used_at=None, expires_at=NOW + timedelta(hours=1))
    assert tokens.is_usable(row, NOW)
    assert not tokens.is_usable(row, NOW + timedelta(hours=1))
    row.used_at = NOW
    assert not tokens.is_usable(row, NOW)
    assert not tokens.is_usable(None, NOW)


def test_durees_des_liens():
    assert timedelta(hours=24) == tokens.VERIFICATION_LIFETIME
    assert timedelta(hours=1) == tokens.RESET_LIFETIME
    assert timedelta(hours=72) == tokens.INVITATION_LIFETIME


def open_one(store):
    account = store.add(closed_at=None, disabled_at=None)
    token = sessions.open_session(store, account, NOW, via_franceconnect=False, client_ip="1.2.3.4")
    return account, token


def test_session_ne_garde_que_le_hash_et_se_resout(store):
    _, token = open_one(store)
    (row,) = store.login_sessions
    assert row.token_hash == tokens.token_hash(token) and token not in vars(row).values()
    assert sessions.resolve(store, token, NOW + timedelta(seconds=30)) is row
    assert row.last_seen_at == NOW, "written at most once a minute"
    sessions.resolve(store, token, NOW + timedelta(minutes=5))
    assert row.last_seen_at == NOW + timedelta(minutes=5)


def test_session_expire_apres_deux_heures_sans_activite(store):
    _, token = open_one(store)
    sessions.resolve(store, token, NOW + timedelta(hours=1, minutes=59))
    with pytest.raises(NotFound):
        sessions.resolve(store, token, NOW + timedelta(hours=3, minutes=59, seconds=1))


def test_session_expire_apres_douze_heures_meme_active(store):
    _, token = open_one(store)
    for hour in range(1, 12):
        sessions.resolve(store, token, NOW + timedelta(hours=hour))
    with pytest.raises(NotFound):
        sessions.resolve(store, token, NOW + timedelta(hours=12))


def test_session_revoquee_ou_inconnue(store):
    account, token = open_one(store)
    sessions.revoke_all(store, account, NOW)
    with pytest.raises(NotFound):
        sessions.resolve(store, token, NOW)
    with pytest.raises(NotFound):
        sessions.resolve(store, "inconnu", NOW)
    with pytest.raises(NotFound):
        sessions.resolve(store, None, NOW)


def test_compteur_bloque_a_la_limite_puis_repart_apres_la_fenetre():
    row = SimpleNamespace(failures=0, window_start=None, blocked_until=None)
    for _ in range(4):
        throttle.count(row, throttle.LOGIN_PER_ACCOUNT_AND_IP, NOW)
    assert not throttle.is_blocked(row, NOW)
    throttle.count(row, throttle.LOGIN_PER_ACCOUNT_AND_IP, NOW)
    assert throttle.is_blocked(row, NOW + timedelta(minutes=14))
    assert not throttle.is_blocked(row, NOW + timedelta(minutes=15))
    throttle.count(row, throttle.LOGIN_PER_ACCOUNT_AND_IP, NOW + timedelta(minutes=16))
    assert row.failures == 1
