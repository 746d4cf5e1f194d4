"""The signed caller: how the gateway's caller travels in every RPC, and how it is checked.

Broker credentials must not be enough to act as a citizen or an agent. So the gateway signs
the caller it built (``contracts.identity.Caller``) with an Ed25519 private key only it holds,
and every service verifies the signature with the public key before believing anything in it.
The ``caller`` argument of an RPC is then a compact JWS (a JWT) with these claims:

- ``iss`` ``portail-gateway``; ``aud`` the service called; ``rpc`` the method called, so a
  token cannot be replayed against another service or another method;
- ``iat`` and ``exp``: valid for :data:`LIFETIME` seconds (clocks may differ by :data:`LEEWAY`);
- ``cid``: the correlation id of the request, also sent as nameko context data;
- ``caller``: the identity (account id, roles, family id).

The header names the algorithm (``Ed25519``, RFC 9864; nothing else is accepted, not
``none``, not HS256) and the key (``kid``, its RFC 7638 thumbprint), so services can hold
several public keys while the gateway's key is rotated::

    token = sign(caller, key, service="accounts", method="get_account", correlation_id=cid)
    claims = verify(token, keys, service="accounts", method="get_account")

``python -m contracts.signed_caller`` prints a new key pair as two ``.env`` lines (one-line
JWKs): ``CALLER_SIGNING_KEY`` for the gateway, ``CALLER_VERIFY_KEY`` for the services.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Mapping

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.jwt import JWTClaimsRegistry

ALGORITHM = "Ed25519"
ISSUER = "portail-gateway"
LIFETIME = 60
"""Seconds a signed caller stays valid: long enough for an RPC, too short to be worth stealing."""
LEEWAY = 5
"""Seconds of clock difference tolerated between the gateway and a service."""

_PEM_PUBLIC = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)

VerifyKeys = Mapping[str, OKPKey]
"""Public keys by ``kid`` (their thumbprint)."""


class InvalidCaller(Exception):
    """The caller is not a valid token signed by a trusted key; the message says why (logs)."""


class UnusableKey(ValueError):
    """A configured key cannot be used (malformed, wrong curve, private where public expected)."""


def generate_key() -> OKPKey:
    """A new Ed25519 private key."""
    return OKPKey.generate_key("Ed25519")


def private_pem(key: OKPKey) -> str:
    return key.as_pem(private=True).decode()


def public_pem(key: OKPKey) -> str:
    return key.as_pem(private=False).decode()


def load_signing_key(text: str) -> OKPKey:
    """The gateway's private key from a PEM (PKCS#8) or a JWK (JSON on one line)."""
    key = _import(text.strip())
    if not key.is_private:
        raise UnusableKey("the signing key must be an Ed25519 private key, not a public one")
    return key


def load_verify_keys(text: str) -> dict[str, OKPKey]:
    """The public keys a service trusts: one or more PEM blocks, a JWK, or a JWK Set.

    A private key is refused: services must never hold what lets one sign.
    """
    text = text.strip()
    if "PRIVATE KEY" in text or '"d"' in text:
        raise UnusableKey("a service must be given the public key only, never the private key")
    if text.startswith("{"):
        data = _json(text)
        parts = data.get("keys", [data]) if isinstance(data, dict) else None
        if not isinstance(parts, list):
            raise UnusableKey("expected a JWK or a JWK Set")
    else:
        parts = _PEM_PUBLIC.findall(text)
    keys = [_import(part) for part in parts]
    if not keys:
        raise UnusableKey("no public key found (PEM 'BEGIN PUBLIC KEY', JWK or JWK Set expected)")
    return {key.thumbprint(): key for key in keys}


def sign(
    caller: Mapping,
    key: OKPKey,
    *,
    service: str,
    method: str,
    correlation_id: str,
    now: float | None = None,
) -> str:
    """The compact JWS for ``caller`` calling ``service.method``."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": ISSUER,
        "aud": service,
        "rpc": method,
        "iat": issued,
        "exp": issued + LIFETIME,
        "cid": correlation_id,
        "caller": dict(caller),
    }
    header = {"alg": ALGORITHM, "kid": _thumbprint(key)}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


_THUMBPRINTS: dict[int, tuple[OKPKey, str]] = {}


def _thumbprint(key: OKPKey) -> str:
    """``key``'s RFC 7638 thumbprint, computed once per key object (the gateway signs every
    call with the same key; the thumbprint was a fifth of the signing time)."""
    kept = _THUMBPRINTS.get(id(key))
    if kept is None or kept[0] is not key:
        if len(_THUMBPRINTS) >= 8:  # the gateway's key and a few rotated ones
            _THUMBPRINTS.clear()
        kept = _THUMBPRINTS[id(key)] = (key, key.thumbprint())
    return kept[1]


def verify(
    token: object, keys: VerifyKeys, *, service: str, method: str, now: float | None = None
) -> dict:
    """The claims of a valid token for ``service.method``; InvalidCaller otherwise."""
    if not isinstance(token, str):
        raise InvalidCaller(f"unsigned caller ({type(token).__name__})")
    if not keys:
        raise InvalidCaller("no public key configured to verify callers")
    try:
        decoded = jwt.decode(token, lambda guest: _key_for(guest.headers(), keys), [ALGORITHM])
        checked = int(time.time() if now is None else now)
        _claims_rules(service, checked).validate(decoded.claims)
    except InvalidCaller:
        raise
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidCaller(f"{type(error).__name__}: {error}") from None
    claims = decoded.claims
    if claims.get("rpc") != method:
        raise InvalidCaller(f"token made for {claims.get('rpc')!r}, not {method!r}")
    if not isinstance(claims["exp"], int | float) or claims["exp"] - claims["iat"] > LIFETIME:
        raise InvalidCaller("token lifetime longer than allowed")
    if not isinstance(claims["aud"], str) or not isinstance(claims["cid"], str):
        raise InvalidCaller("one audience and a text correlation id expected")
    if not isinstance(claims.get("caller"), dict):
        raise InvalidCaller("token without a caller")
    return claims


def _claims_rules(service: str, now: int) -> JWTClaimsRegistry:
    return JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": service},
        iat={"essential": True},
        exp={"essential": True},
        rpc={"essential": True},
        cid={"essential": True},
    )


def _key_for(header: Mapping, keys: VerifyKeys) -> OKPKey:
    if header.get("alg") != ALGORITHM:
        raise InvalidCaller(f"algorithm {header.get('alg')!r} refused")
    key = keys.get(str(header.get("kid")))
    if key is None:
        raise InvalidCaller(f"unknown key {header.get('kid')!r}")
    return key


def _import(text: str | dict) -> OKPKey:
    try:
        if isinstance(text, str) and text.startswith("{"):
            text = _json(text)
        key = OKPKey.import_key(text if isinstance(text, dict) else text.encode())
    except (JoseError, ValueError, TypeError) as error:
        raise UnusableKey(f"not an Ed25519 key: {error}") from None
    if key.curve_name != "Ed25519":
        raise UnusableKey(f"expected an Ed25519 key, not {key.curve_name}")
    return key


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        raise UnusableKey(f"malformed JWK: {error}") from None


def env_lines(key: OKPKey) -> str:
    """``key`` as ``.env`` lines: the private JWK for the gateway, the public one for services."""
    private = json.dumps(key.as_dict(private=True), separators=(",", ":"))
    public = json.dumps(key.as_dict(private=False), separators=(",", ":"))
    return f"CALLER_SIGNING_KEY='{private}'\nCALLER_VERIFY_KEY='{public}'\n"


if __name__ == "__main__":
    sys.stdout.write(env_lines(generate_key()))
