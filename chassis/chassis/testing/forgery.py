"""Forged callers, sent over RabbitMQ as a process holding only broker credentials could.

Each service's integration tests prove that every forgery is refused and a caller signed with
the trusted key accepted, through the real broker (a standalone ``ClusterRpcProxy`` in the
test, as a rogue pod would use)::

    refused, accepted = try_forgeries(amqp_uri, "accounts", "list_agents", ADMIN)
    assert refused == set(forged_callers("accounts", "list_agents", ADMIN))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from nameko.standalone.rpc import ClusterRpcProxy

from chassis.testing.services import CALLER_KEY, signed
from contracts import signed_caller
from contracts.errors import Forbidden
from contracts.identity import ANONYMOUS

CORRELATION_ID = "appel-de-test"


def forged_callers(service: str, method: str, caller: Mapping) -> dict[str, object]:
    """By name, every way of passing ``caller`` off that the services must refuse."""

    def sign(**changes) -> str:
        return signed(caller, service, method, correlation_id=CORRELATION_ID, **changes)

    genuine_anonymous = signed(ANONYMOUS, service, method, correlation_id=CORRELATION_ID)
    claims = _claims(service, method, caller)
    trusted_kid = CALLER_KEY.thumbprint()
    public_pem = signed_caller.public_pem(CALLER_KEY).encode()
    return {
        "unsigned dict": dict(caller),
        "not a token": "pas-un-jeton",
        "expired": sign(now=time.time() - 10 * signed_caller.LIFETIME),
        "issued in the future": sign(now=time.time() + 10 * signed_caller.LIFETIME),
        "tampered claims": _swap_payload(genuine_anonymous, claims),
        "other key": sign(key=signed_caller.generate_key()),
        "other key, trusted kid": _other_key_with_kid(claims, trusted_kid),
        "alg none": _compact({"alg": "none", "kid": trusted_kid}, claims, lambda _: b""),
        "HS256 with the public key": _compact(
            {"alg": "HS256", "kid": trusted_kid},
            claims,
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "made for another service": signed(
            caller, f"{service}-autre", method, correlation_id=CORRELATION_ID
        ),
        "made for another method": signed(
            caller, service, f"{method}_autre", correlation_id=CORRELATION_ID
        ),
        "other correlation id": signed(caller, service, method, correlation_id="autre"),
    }


@contextmanager
def rogue_proxy(amqp_uri: str) -> Iterator:
    """A standalone RPC client with the broker login only, as any pod could open."""
    context = {"correlation_id": CORRELATION_ID}
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=15, context_data=context) as proxy:
        yield proxy


def try_forgeries(
    amqp_uri: str, service: str, method: str, caller: Mapping, *args
) -> tuple[set[str], object]:
    """(names of the forgeries refused with Forbidden, answer to the genuinely signed caller)."""
    refused = set()
    with rogue_proxy(amqp_uri) as proxy:
        call = getattr(proxy[service], method)
        for name, forged in forged_callers(service, method, caller).items():
            try:
                call(forged, *args)
            except Forbidden:
                refused.add(name)
        genuine = signed(caller, service, method, correlation_id=CORRELATION_ID)
        return refused, call(genuine, *args)


def _claims(service: str, method: str, caller: Mapping) -> dict:
    now = int(time.time())
    return {
        "iss": signed_caller.ISSUER,
        "aud": service,
        "rpc": method,
        "iat": now,
        "exp": now + signed_caller.LIFETIME,
        "cid": CORRELATION_ID,
        "caller": dict(caller),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _compact(header: dict, claims: dict, signer) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(signer(signing_input.encode()))}"


def _swap_payload(token: str, claims: dict) -> str:
    """A genuine token whose claims were replaced, the signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _other_key_with_kid(claims: dict, kid: str) -> str:
    """Signed by an unknown Ed25519 key, but claiming the trusted key's id."""
    other = signed_caller.generate_key()
    raw = other.get_op_key("sign")
    return _compact({"alg": signed_caller.ALGORITHM, "kid": kid}, claims, raw.sign)
