"""The signed caller: what the gateway signs is what a service verifies, nothing else."""

from __future__ import annotations

import json
import time

import pytest

from contracts import signed_caller
from contracts.base import example

KEY = signed_caller.generate_key()
KEYS = signed_caller.load_verify_keys(signed_caller.public_pem(KEY))


def sign(**changes) -> str:
    arguments = {"service": "accounts", "method": "get_account", "correlation_id": "c-1"}
    return signed_caller.sign(example("caller"), KEY, **{**arguments, **changes})


def verify(token, **changes) -> dict:
    arguments = {"service": "accounts", "method": "get_account"}
    return signed_caller.verify(token, KEYS, **{**arguments, **changes})


def test_a_signed_caller_carries_identity_correlation_and_a_short_expiry():
    claims = verify(sign())
    assert claims["caller"] == example("caller")
    assert claims["cid"] == "c-1"
    assert claims["exp"] - claims["iat"] == signed_caller.LIFETIME == 60


@pytest.mark.parametrize(
    ("token", "check"),
    [
        (example("caller"), {}),
        (None, {}),
        ("a.b.c", {}),
        (sign(now=time.time() - 2 * signed_caller.LIFETIME), {}),
        (sign(service="requests"), {}),
        (sign(), {"service": "requests"}),
        (sign(), {"method": "close_account"}),
    ],
    ids=["dict", "none", "garbage", "expired", "other-audience", "wrong-service", "wrong-method"],
)
def test_anything_else_is_refused(token, check):
    with pytest.raises(signed_caller.InvalidCaller):
        verify(token, **check)


def test_a_token_signed_by_another_key_is_refused():
    other = signed_caller.generate_key()
    token = signed_caller.sign({}, other, service="accounts", method="m", correlation_id="c")
    with pytest.raises(signed_caller.InvalidCaller, match="unknown key"):
        verify(token, method="m")


def test_keys_load_from_pem_jwk_and_jwk_set():
    public_jwk = json.dumps(KEY.as_dict(private=False))
    other = signed_caller.generate_key()
    key_set = json.dumps({"keys": [KEY.as_dict(private=False), other.as_dict(private=False)]})
    assert set(signed_caller.load_verify_keys(public_jwk)) == set(KEYS)
    assert len(signed_caller.load_verify_keys(key_set)) == 2
    two_pems = signed_caller.public_pem(KEY) + signed_caller.public_pem(other)
    assert len(signed_caller.load_verify_keys(two_pems)) == 2
    private_jwk = json.dumps(KEY.as_dict(private=True))
    assert signed_caller.load_signing_key(private_jwk).thumbprint() == KEY.thumbprint()
    assert signed_caller.load_signing_key(signed_caller.private_pem(KEY)).is_private


@pytest.mark.parametrize(
    "text",
    [
        signed_caller.private_pem(KEY),
        json.dumps(KEY.as_dict(private=True)),
        "",
        "{pas du json",
        json.dumps({"kty": "oct", "k": "c2VjcmV0"}),
    ],
    ids=["private-pem", "private-jwk", "empty", "malformed", "symmetric"],
)
def test_services_refuse_private_or_unusable_keys(text):
    with pytest.raises(signed_caller.UnusableKey):
        signed_caller.load_verify_keys(text)


def test_the_gateway_refuses_a_public_key_to_sign_with():
    with pytest.raises(signed_caller.UnusableKey, match="private"):
        signed_caller.load_signing_key(signed_caller.public_pem(KEY))


def test_the_key_pair_command_prints_env_lines_each_side_can_load():
    lines = dict(line.split("=", 1) for line in signed_caller.env_lines(KEY).splitlines() if line)
    signing = signed_caller.load_signing_key(lines["CALLER_SIGNING_KEY"].strip("'"))
    verify_keys = signed_caller.load_verify_keys(lines["CALLER_VERIFY_KEY"].strip("'"))
    assert set(verify_keys) == {signing.thumbprint()} == {KEY.thumbprint()}
