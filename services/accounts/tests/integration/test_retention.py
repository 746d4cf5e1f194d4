"""What accounts keeps, and for how long: sessions, e-mail links, login counters, closures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chassis.testing.fixtures import wait_until
from contracts.errors import PortalError

ADDRESS = "camille.martin@example.org"
PASSWORD = "Tilleul-Platane-Saône-2026"


def failed_login(portal, ip: str = "192.0.2.1") -> None:
    with pytest.raises(PortalError):
        portal.login(password="mauvais-mot-de-passe", ip=ip)


def test_purge_efface_sessions_liens_et_compteurs_qui_ont_servi(portal):
    portal.citizen()
    portal.login()
    failed_login(portal, ip="192.0.2.9")
    now = datetime.now(UTC)
    old_session, recent_session = [row[0] for row in portal.sql("SELECT id FROM sessions")]
    portal.sql(
        "UPDATE sessions SET expires_at = :at WHERE id = :id",
        at=now - timedelta(days=31),
        id=old_session,
    )
    portal.sql("UPDATE email_tokens SET used_at = :at", at=now - timedelta(days=8))
    portal.sql("UPDATE login_throttle SET window_start = :at", at=now - timedelta(days=2))
    assert portal.count("email_tokens") and portal.count("login_throttle")

    portal.call("purge_expired_data")

    assert [row[0] for row in portal.sql("SELECT id FROM sessions")] == [recent_session]
    assert (portal.count("email_tokens"), portal.count("login_throttle")) == (0, 0)


def test_compteur_qui_bloque_encore_est_garde(portal):
    portal.register()
    for _ in range(5):
        failed_login(portal)
    now = datetime.now(UTC)
    portal.sql("UPDATE login_throttle SET window_start = :at", at=now - timedelta(days=2))
    blocking = portal.count("login_throttle WHERE blocked_until > now()")
    assert blocking == 1
    portal.call("purge_expired_data")
    assert portal.count("login_throttle WHERE blocked_until > now()") == 1


def test_fermeture_annonce_l_adresse_et_ne_la_laisse_dans_aucun_evenement(portal, as_caller):
    opened = portal.citizen()
    wait_until(
        lambda: portal.count("outbox_events WHERE published_at IS NULL") == 0,
        message="events published",
    )
    portal.call("close_account", as_caller(opened), {"confirm": True, "current_password": PASSWORD})
    closed = portal.events.next("account_closed")
    assert closed["email"] == ADDRESS
    wait_until(
        lambda: portal.count("outbox_events WHERE published_at IS NULL") == 0,
        message="account_closed published",
    )
    assert portal.count(f"outbox_events WHERE payload::text LIKE '%{ADDRESS}%'") == 0
    assert portal.count(f"accounts WHERE email = '{ADDRESS}'") == 0
