"""Cost of signed callers: signing in the gateway, verifying in a service, per RPC.

    .venv/bin/python -P bench/caller_signing.py [--calls N]

Baselines, measured in the same run: validating the caller dict with its schema, which is all
a service did before callers were signed (``contracts.identity.Caller``), and the same token
signed and verified through joserfc's generic JWT API with the thumbprint computed at every
call (``reference_sign``, ``reference_verify`` below: the same claims, the same checks);
``contracts.signed_caller`` uses the same API and keeps the key's thumbprint. Figures are microseconds of this process's CPU per call
(median of five rounds of ``--calls`` calls each), on one core; CPU time rather than elapsed
time, so that the other jobs of a shared machine weigh less on them.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time

from joserfc import jwt
from joserfc.jwt import JWTClaimsRegistry

from chassis import identity
from contracts import signed_caller
from contracts.identity import Caller

CALLER = {"account_id": "4f7c", "roles": ["agent_espace_public"], "family_id": None}
PLACE = {"service": "requests", "method": "list_reports"}


def per_call_us(action, calls: int) -> float:
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(calls):
            action()
        rounds.append((time.process_time() - started) / calls * 1e6)
    return statistics.median(rounds)


def reference_sign(key, correlation_id: str) -> str:
    """The token as joserfc's ``jwt.encode`` makes it (the code before the third pass)."""
    issued = int(time.time())
    claims = {
        "iss": signed_caller.ISSUER,
        "aud": PLACE["service"],
        "rpc": PLACE["method"],
        "iat": issued,
        "exp": issued + signed_caller.LIFETIME,
        "cid": correlation_id,
        "caller": dict(CALLER),
    }
    header = {"alg": signed_caller.ALGORITHM, "kid": key.thumbprint()}
    return jwt.encode(header, claims, key, algorithms=[signed_caller.ALGORITHM])


def reference_verify(token: str, keys) -> dict:
    """joserfc's ``jwt.decode`` and claims registry, as before the third pass."""
    decoded = jwt.decode(token, lambda guest: keys[guest.headers()["kid"]], ["Ed25519"])
    JWTClaimsRegistry(
        now=int(time.time()),
        leeway=signed_caller.LEEWAY,
        iss={"essential": True, "value": signed_caller.ISSUER},
        aud={"essential": True, "value": PLACE["service"]},
        iat={"essential": True},
        exp={"essential": True},
        rpc={"essential": True},
        cid={"essential": True},
    ).validate(decoded.claims)
    return decoded.claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    key = signed_caller.generate_key()
    keys = signed_caller.load_verify_keys(signed_caller.public_pem(key))
    schema = Caller()
    token = signed_caller.sign(CALLER, key, correlation_id="bench", **PLACE)

    def sign() -> None:
        signed_caller.sign(CALLER, key, correlation_id="bench", **PLACE)

    def verify_and_load() -> None:
        caller = signed_caller.verify(token, keys, **PLACE)["caller"]
        identity._validated(json.dumps(caller, sort_keys=True, separators=(",", ":")))

    def reference_verify_and_load() -> None:
        schema.load(reference_verify(token, keys)["caller"])

    baseline = per_call_us(lambda: schema.load(CALLER), calls)
    rows = [
        ("baseline: schema load of a dict", baseline),
        ("reference: joserfc sign", per_call_us(lambda: reference_sign(key, "bench"), calls)),
        ("gateway: sign", per_call_us(sign, calls)),
        ("reference: joserfc verify + load", per_call_us(reference_verify_and_load, calls)),
        ("service: verify + identity", per_call_us(verify_and_load, calls)),
        ("  of which Ed25519 verify alone", per_call_us(lambda: _raw_verify(key, token), calls)),
    ]
    print(f"{'step':<34} {'CPU µs/call':>11} {'+µs vs baseline':>16}")
    for name, value in rows:
        print(f"{name:<34} {value:11.1f} {value - baseline:16.1f}")
    print(f"token length: {len(token)} bytes")


def _raw_verify(key, token: str) -> None:
    signing_input, _, signature = token.rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    key.get_op_key("verify").verify(raw, signing_input.encode("ascii"))


if __name__ == "__main__":
    main()
