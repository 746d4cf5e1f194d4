"""A service believes a caller only once the gateway's signature is verified, over RabbitMQ."""

from __future__ import annotations

import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from chassis import identity
from chassis.logging import Correlation
from chassis.testing.forgery import CORRELATION_ID, forged_callers, rogue_proxy, try_forgeries
from chassis.testing.services import CALLER_KEY, signed
from contracts import signed_caller
from contracts.errors import EXPECTED, Forbidden, Invalid

AGENT = {"account_id": "7", "roles": ["agent_espace_public"], "family_id": None, "family_ids": []}


class Guarded:
    name = "guarded"

    correlation = Correlation()
    callers = identity.CallerVerification()

    @rpc(expected_exceptions=EXPECTED)
    def whoami(self, caller):
        return identity.load(caller)

    @rpc(expected_exceptions=EXPECTED)
    def admin_only(self, caller):
        return identity.require_role(caller, ["admin"])


class Unguarded:
    """A service that forgot ``CallerVerification``: it must believe nobody."""

    name = "unguarded"

    @rpc(expected_exceptions=EXPECTED)
    def whoami(self, caller):
        return identity.load(caller)


def config(amqp_uri: str, **extra) -> dict:
    public = signed_caller.public_pem(CALLER_KEY)
    return {"AMQP_URI": amqp_uri, "CALLER_VERIFY_KEY": public, "max_workers": 2, **extra}


@pytest.fixture
def guarded(service_container, amqp_uri):
    return service_container(Guarded, config(amqp_uri))


def test_signed_caller_is_believed_and_forgeries_are_refused(guarded, amqp_uri):
    refused, answer = try_forgeries(amqp_uri, "guarded", "whoami", AGENT)
    assert refused == set(forged_callers("guarded", "whoami", AGENT))
    assert answer == AGENT


def test_roles_come_from_the_signed_caller_only(guarded, amqp_uri):
    with rogue_proxy(amqp_uri) as proxy:
        with pytest.raises(Forbidden):
            proxy.guarded.admin_only(
                signed(AGENT, "guarded", "admin_only", correlation_id=CORRELATION_ID)
            )
        admin = {**AGENT, "roles": ["admin"]}
        token = signed(admin, "guarded", "admin_only", correlation_id=CORRELATION_ID)
        assert proxy.guarded.admin_only(token)["roles"] == ["admin"]


def test_unknown_role_in_a_signed_caller_is_invalid(guarded, amqp_uri):
    mayor = {"account_id": "1", "roles": ["maire"]}
    with rogue_proxy(amqp_uri) as proxy, pytest.raises(Invalid):
        proxy.guarded.whoami(signed(mayor, "guarded", "whoami", correlation_id=CORRELATION_ID))


def test_keys_being_rotated_are_all_trusted(service_container, amqp_uri):
    next_key = signed_caller.generate_key()
    both = signed_caller.public_pem(CALLER_KEY) + signed_caller.public_pem(next_key)
    service_container(Guarded, config(amqp_uri, CALLER_VERIFY_KEY=both))
    with rogue_proxy(amqp_uri) as proxy:
        for key in (CALLER_KEY, next_key):
            token = signed(AGENT, "guarded", "whoami", correlation_id=CORRELATION_ID, key=key)
            assert proxy.guarded.whoami(token) == AGENT


def test_a_service_without_caller_verification_believes_nobody(service_container, amqp_uri):
    service_container(Unguarded, {"AMQP_URI": amqp_uri})
    with rogue_proxy(amqp_uri) as proxy:
        for caller in (AGENT, signed(AGENT, "unguarded", "whoami", correlation_id=CORRELATION_ID)):
            with pytest.raises(Forbidden):
                proxy.unguarded.whoami(caller)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "CALLER_VERIFY_KEY must be set"),
        (signed_caller.private_pem(CALLER_KEY), "public key only"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "not an Ed25519 key"),
    ],
)
def test_a_service_refuses_to_start_without_a_usable_public_key(monkeypatch, amqp_uri, key, reason):
    monkeypatch.delenv("CALLER_VERIFY_KEY", raising=False)
    container = ServiceContainer(Guarded, config(amqp_uri, CALLER_VERIFY_KEY=key))
    with pytest.raises(Exception, match=reason):
        container.start()
    container.kill()
