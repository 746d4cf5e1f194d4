"""The signed caller: what the gateway signs is what a service verifies, nothing else."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt

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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed_with(header: dict, claims: dict) -> str:
    """A compact JWS signed by the trusted key, with any header and claims."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = KEY.get_op_key("sign").sign(signing_input.encode())
    return f"{signing_input}.{_b64(signature)}"


def _claims(**changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": signed_caller.ISSUER,
        "aud": "accounts",
        "rpc": "get_account",
        "iat": now,
        "exp": now + signed_caller.LIFETIME,
        "cid": "c-1",
        "caller": example("caller"),
    }
    return {key: value for key, value in {**claims, **changes}.items() if value is not None}


def test_tokens_are_standard_jwts_both_ways():
    """joserfc reads what ``sign`` makes, and ``verify`` reads what joserfc makes."""
    decoded = jwt.decode(sign(), KEY, algorithms=["Ed25519"])
    assert decoded.header == {"typ": "JWT", "alg": "Ed25519", "kid": KEY.thumbprint()}
    assert decoded.claims["caller"] == example("caller")
    header = {"alg": "Ed25519", "kid": KEY.thumbprint()}
    assert verify(jwt.encode(header, _claims(), KEY, algorithms=["Ed25519"]))["cid"] == "c-1"


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        ({"crit": ["exp"]}, {}),
        ({"b64": False}, {}),
        ({"kid": 7}, {}),
        ({}, {"exp": float("nan")}),
        ({}, {"exp": True}),
        ({}, {"iat": "maintenant"}),
        ({}, {"nbf": int(time.time()) + 10 * signed_caller.LIFETIME}),
        ({}, {"cid": None}),
        ({}, {"cid": 12}),
        ({}, {"iss": "quelqu-un"}),
        ({}, {"aud": ["accounts", "requests"]}),
        ({}, {"caller": "admin"}),
        ({}, {"exp": int(time.time()) + 10 * signed_caller.LIFETIME}),
    ],
    ids=[
        "crit",
        "unencoded-payload",
        "kid-not-a-string",
        "exp-nan",
        "exp-boolean",
        "iat-text",
        "not-yet-valid",
        "no-correlation",
        "correlation-not-text",
        "other-issuer",
        "several-audiences",
        "caller-not-an-object",
        "lifetime-too-long",
    ],
)
def test_tokens_signed_by_the_trusted_key_but_not_as_the_gateway_signs_are_refused(header, claims):
    base = {"alg": "Ed25519", "kid": KEY.thumbprint()}
    token = _signed_with({**base, **header}, _claims(**claims))
    with pytest.raises(signed_caller.InvalidCaller):
        verify(token)


@pytest.mark.parametrize(
    "token",
    ["a.b", "a.b.c.d", "é.b.c", sign() + "=", sign().replace(".", ".!", 1), ".."],
    ids=["two-parts", "four-parts", "not-ascii", "padded", "not-base64url", "empty-parts"],
)
def test_malformed_compact_tokens_are_refused(token):
    with pytest.raises(signed_caller.InvalidCaller):
        verify(token)


def test_a_trusted_key_not_meant_for_verifying_refuses_the_caller():
    signing_only = {**KEY.as_dict(private=False), "key_ops": ["sign"]}
    keys = signed_caller.load_verify_keys(json.dumps(signing_only))
    with pytest.raises(signed_caller.InvalidCaller):
        signed_caller.verify(sign(), keys, service="accounts", method="get_account")


def test_accented_identities_survive_signing():
    caller = {**example("caller"), "account_id": "hélène-müller"}
    token = signed_caller.sign(
        caller, KEY, service="accounts", method="get_account", correlation_id="c-1"
    )
    assert verify(token)["caller"] == caller
