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
several public keys while the gateway's key is rotated; besides ``typ`` it may hold nothing
else (``crit``, ``b64``... are refused, not ignored). Tokens are standard JWTs, made and
checked here without a JWT library's generic layer, which cost more than the signature
itself (``bench/caller_signing.py``); joserfc handles the keys::

    token = sign(caller, key, service="accounts", method="get_account", correlation_id=cid)
    claims = verify(token, keys, service="accounts", method="get_account")

``python -m contracts.signed_caller`` prints a new key pair as two ``.env`` lines (one-line
JWKs): ``CALLER_SIGNING_KEY`` for the gateway, ``CALLER_VERIFY_KEY`` for the services.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import sys
import time
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

ALGORITHM = "Ed25519"
ISSUER = "portail-gateway"
LIFETIME = 60
"""Seconds a signed caller stays valid: long enough for an RPC, too short to be worth stealing."""
LEEWAY = 5
"""Seconds of clock difference tolerated between the gateway and a service."""

_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_ESSENTIAL = ("iss", "aud", "rpc", "iat", "exp", "cid")
_HEADER_MEMBERS = {"alg", "kid", "typ"}
_KEYS_KEPT = 8
"""Key objects whose header and native key are kept (the gateway's key, rotated ones)."""
_SIGNERS: dict[int, tuple[OKPKey, bytes, Ed25519PrivateKey]] = {}
_VERIFIERS: dict[int, tuple[OKPKey, Ed25519PublicKey]] = {}
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
    header, private = _signer(key)
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    signing_input = header + b"." + _b64encode(payload)
    return (signing_input + b"." + _b64encode(private.sign(signing_input))).decode("ascii")


def verify(
    token: object, keys: VerifyKeys, *, service: str, method: str, now: float | None = None
) -> dict:
    """The claims of a valid token for ``service.method``; InvalidCaller otherwise."""
    if not isinstance(token, str):
        raise InvalidCaller(f"unsigned caller ({type(token).__name__})")
    if not keys:
        raise InvalidCaller("no public key configured to verify callers")
    parts = token.split(".")
    if len(parts) != 3 or not all(_B64URL.fullmatch(part) for part in parts):
        raise InvalidCaller("not a compact JWS")
    kid = _header_kid(parts[0])
    key = keys.get(kid)
    if key is None:
        raise InvalidCaller(f"unknown key {kid!r}")
    try:
        _verifier(key).verify(_b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        raise InvalidCaller("bad signature") from None
    except JoseError as error:  # a trusted key whose key_ops exclude verifying
        raise InvalidCaller(f"{type(error).__name__}: {error}") from None
    claims = _json_object(_b64decode(parts[1]), "claims")
    _check_claims(claims, service, method, int(time.time() if now is None else now))
    return claims


def _check_claims(claims: dict, service: str, method: str, now: int) -> None:
    """The rules a verified token's claims must meet (RFC 7519 times, with ``LEEWAY``)."""
    missing = sorted(name for name in _ESSENTIAL if claims.get(name) is None)
    if missing:
        raise InvalidCaller(f"missing claims: {','.join(missing)}")
    if claims["iss"] != ISSUER:
        raise InvalidCaller(f"issuer {claims['iss']!r} refused")
    if claims["aud"] != service:
        raise InvalidCaller(f"token made for service {claims['aud']!r}, not {service!r}")
    if claims["rpc"] != method:
        raise InvalidCaller(f"token made for {claims['rpc']!r}, not {method!r}")
    issued, expires = claims["iat"], claims["exp"]
    not_before = claims.get("nbf", issued)
    if not all(_is_numeric_date(value) for value in (issued, expires, not_before)):
        raise InvalidCaller("times must be NumericDate values")
    if expires <= now - LEEWAY:
        raise InvalidCaller("expired token")
    if issued > now + LEEWAY or not_before > now + LEEWAY:
        raise InvalidCaller("token issued in the future")
    if expires - issued > LIFETIME:
        raise InvalidCaller("token lifetime longer than allowed")
    if not isinstance(claims["cid"], str):
        raise InvalidCaller("correlation id must be a string")
    if not isinstance(claims.get("caller"), dict):
        raise InvalidCaller("token without a caller")


def _is_numeric_date(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


@functools.lru_cache(maxsize=16)
def _header_kid(segment: str) -> str:
    """The ``kid`` of a header segment that names Ed25519 and nothing else we would ignore.

    Every token of a gateway key has the same header, so this is parsed once per key.
    """
    header = _json_object(_b64decode(segment), "header")
    if header.get("alg") != ALGORITHM:
        raise InvalidCaller(f"algorithm {header.get('alg')!r} refused")
    unknown = set(header) - _HEADER_MEMBERS
    if unknown:  # crit, b64, jku, x5u...: members whose meaning we do not apply
        raise InvalidCaller(f"header members refused: {sorted(unknown)}")
    if not isinstance(header.get("kid"), str):
        raise InvalidCaller(f"unknown key {header.get('kid')!r}")
    return header["kid"]


def _signer(key: OKPKey) -> tuple[bytes, Ed25519PrivateKey]:
    """The header segment and the private key object of ``key`` (computed once per key)."""
    cached = _SIGNERS.get(id(key))
    if cached is None or cached[0] is not key:
        header = {"typ": "JWT", "alg": ALGORITHM, "kid": key.thumbprint()}
        segment = _b64encode(json.dumps(header, separators=(",", ":")).encode())
        if len(_SIGNERS) >= _KEYS_KEPT:
            _SIGNERS.clear()
        cached = _SIGNERS[id(key)] = (key, segment, key.get_op_key("sign"))
    return cached[1], cached[2]


def _verifier(key: OKPKey) -> Ed25519PublicKey:
    """The public key object of a trusted ``key`` (looked up once per key)."""
    cached = _VERIFIERS.get(id(key))
    if cached is None or cached[0] is not key:
        if len(_VERIFIERS) >= _KEYS_KEPT:
            _VERIFIERS.clear()
        cached = _VERIFIERS[id(key)] = (key, key.get_op_key("verify"))
    return cached[1]


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except ValueError:
        raise InvalidCaller("malformed base64url segment") from None


def _json_object(data: bytes, part: str) -> dict:
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise InvalidCaller(f"{part} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidCaller(f"{part} is not a JSON object")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


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
