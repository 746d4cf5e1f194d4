"""Cost of signed callers: signing in the gateway, verifying in a service, per RPC.

    .venv/bin/python -P bench/caller_signing.py [--calls N]

Baseline, measured in the same run: validating the caller dict with its schema, which is all
a service did before callers were signed. Figures are microseconds per call (median of five
rounds of ``--calls`` calls each), on one core.
"""

from __future__ import annotations

import argparse
import statistics
import time

from contracts import signed_caller
from contracts.identity import Caller

CALLER = {"account_id": "4f7c", "roles": ["agent_espace_public"], "family_id": None}


def per_call_us(action, calls: int) -> float:
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls):
            action()
        rounds.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    key = signed_caller.generate_key()
    keys = signed_caller.load_verify_keys(signed_caller.public_pem(key))
    schema = Caller()
    place = {"service": "requests", "method": "list_reports"}
    token = signed_caller.sign(CALLER, key, correlation_id="bench", **place)

    def sign() -> None:
        signed_caller.sign(CALLER, key, correlation_id="bench", **place)

    def verify_and_load() -> None:
        schema.load(signed_caller.verify(token, keys, **place)["caller"])

    baseline = per_call_us(lambda: schema.load(CALLER), calls)
    rows = [
        ("baseline: schema load of a dict", baseline),
        ("gateway: sign", per_call_us(sign, calls)),
        ("service: verify + schema load", per_call_us(verify_and_load, calls)),
    ]
    print(f"{'step':<34} {'µs/call':>9} {'+µs vs baseline':>16}")
    for name, value in rows:
        print(f"{name:<34} {value:9.1f} {value - baseline:16.1f}")
    print(f"token length: {len(token)} bytes")


if __name__ == "__main__":
    main()
