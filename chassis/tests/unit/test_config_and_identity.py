"""Settings fail fast in production; identities are checked, never guessed."""

from __future__ import annotations

import json

import pytest

from chassis import config, identity
from contracts.errors import Forbidden, Invalid


def test_development_falls_back_to_the_local_run_database(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("REQUESTS_DATABASE_URL", raising=False)
    monkeypatch.delenv("LOCAL_POSTGRES_URL", raising=False)
    assert config.database_url("requests") == (
        "postgresql+psycopg2://postgres@localhost:5432/portail_requests"
    )


def test_the_local_run_database_follows_the_local_server(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("ACCOUNTS_DATABASE_URL", raising=False)
    monkeypatch.setenv("LOCAL_POSTGRES_URL", "postgresql://dev:s3cret@127.0.0.1:5433/postgres")
    assert (
        config.database_url("accounts") == "postgresql://dev:s3cret@127.0.0.1:5433/portail_accounts"
    )


def test_production_refuses_to_start_without_a_database_url(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("REQUESTS_DATABASE_URL", raising=False)
    with pytest.raises(config.MissingSetting, match="REQUESTS_DATABASE_URL"):
        config.database_url("requests")


def test_production_uses_the_given_url(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("REQUESTS_DATABASE_URL", "postgresql://requests@db/requests")
    assert config.database_url("requests") == "postgresql://requests@db/requests"


@pytest.mark.parametrize("caller", [None, "admin", ["admin"], {"roles": ["admin"]}])
def test_outside_a_verifying_worker_nobody_is_believed(caller):
    """Signed callers, roles and bad roles are tested over RabbitMQ (integration tier)."""
    with pytest.raises(Forbidden):
        identity.load(caller)
    with pytest.raises(Forbidden):
        identity.require_role(caller, ["admin"])


def test_a_service_needs_the_public_key_of_the_gateway(monkeypatch):
    monkeypatch.delenv("CALLER_VERIFY_KEY", raising=False)
    with pytest.raises(config.MissingSetting, match="CALLER_VERIFY_KEY"):
        config.caller_verify_key()
    monkeypatch.setenv("CALLER_VERIFY_KEY", "-----BEGIN PUBLIC KEY-----")
    assert config.caller_verify_key() == "-----BEGIN PUBLIC KEY-----"


def test_a_kept_identity_is_handed_out_as_a_copy():
    canonical = json.dumps({"account_id": "7", "roles": ["admin"], "family_ids": ["4217"]})
    first = identity._validated(canonical)
    first["roles"].append("agent_regie")
    first["family_ids"].clear()
    assert identity._validated(canonical) == {
        "account_id": "7",
        "roles": ["admin"],
        "family_id": None,
        "family_ids": ["4217"],
    }


def test_an_invalid_identity_is_refused_each_time():
    canonical = json.dumps({"account_id": "7", "roles": ["maire"]})
    for _ in range(2):
        with pytest.raises(Invalid):
            identity._validated(canonical)
