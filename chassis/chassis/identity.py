"""The caller's identity, as every RPC receives it, and the checks services make on it.

The gateway authenticates and signs the caller (``contracts.signed_caller``); each service
verifies the signature before believing anything, then authorizes::

    class RequestsService(Health):
        callers = identity.CallerVerification()   # the public key, per worker

        @rpc(expected_exceptions=EXPECTED)
        def list_reports(self, caller, status=None):
            identity.require_role(caller, requests.AGENT_ROLES)

``load`` refuses (``Forbidden``) a plain dict, an expired token, a tampered one, one signed by
another key or with another algorithm, one made for another service or method, and one whose
correlation id is not the worker's. Outside a worker of a service declaring
``CallerVerification`` nothing is believed. The public key comes from the nameko config or the
environment, ``CALLER_VERIFY_KEY`` (one or more PEM public keys, a JWK or a JWK Set).

A service acting on its own (an event handler, a timer, the ``accounts.cli`` command) does not
go through RPC and builds no caller: it calls its domain code directly, never with a citizen's
identity or forged roles (docs/design.md, "Caller identity").
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from chassis import config
from contracts import signed_caller
from contracts.base import load_or_invalid
from contracts.errors import Forbidden
from contracts.identity import Caller

log = logging.getLogger("chassis.identity")

_CALLER = Caller()

FORBIDDEN_MESSAGE = "Vous n'avez pas accès à cette fonction."

VALIDATED_KEPT = 1024
"""Validated identities kept per process (a few hundred bytes each)."""


@dataclass(frozen=True)
class _Check:
    """What the running worker verifies a caller against."""

    keys: signed_caller.VerifyKeys
    service: str
    method: str
    context: dict


_current: contextvars.ContextVar[_Check | None] = contextvars.ContextVar(
    "caller_check", default=None
)


class CallerVerification(DependencyProvider):
    """Loads the trusted public keys at start and arms :func:`load` for each worker."""

    def setup(self) -> None:
        raw = self.container.config.get("CALLER_VERIFY_KEY") or config.caller_verify_key()
        self.keys = signed_caller.load_verify_keys(raw)

    def worker_setup(self, worker_ctx) -> None:
        check = _Check(
            self.keys,
            self.container.service_name,
            worker_ctx.entrypoint.method_name,
            worker_ctx.data,
        )
        _current.set(check)

    def worker_teardown(self, worker_ctx) -> None:
        _current.set(None)


def load(caller: object) -> dict:
    """The verified, validated identity; anything not signed by the gateway is refused."""
    check = _current.get()
    if check is None:
        log.warning("caller refused: no caller verification in this worker")
        raise Forbidden(FORBIDDEN_MESSAGE)
    try:
        claims = signed_caller.verify(
            caller, check.keys, service=check.service, method=check.method
        )
    except signed_caller.InvalidCaller as refused:
        log.warning("caller refused for %s.%s: %s", check.service, check.method, refused)
        raise Forbidden(FORBIDDEN_MESSAGE) from None
    _check_correlation(claims["cid"], check)
    return _validated(json.dumps(claims["caller"], sort_keys=True, separators=(",", ":")))


@functools.lru_cache(maxsize=VALIDATED_KEPT)
def _loaded(canonical: str) -> dict:
    return load_or_invalid(_CALLER, json.loads(canonical), "Identité de l'appelant invalide.")


def _validated(canonical: str) -> dict:
    """The identity validated by the ``Caller`` schema, from its canonical JSON.

    The schema's result depends on the signed identity only, and a service sees the same few
    identities over and over (anonymous citizens, each agent's session): it is kept per
    identity, after the signature was checked, and handed out as a copy. A refused identity
    (``Invalid``) is never kept.
    """
    loaded = _loaded(canonical)
    return {key: list(value) if isinstance(value, list) else value for key, value in loaded.items()}


def _check_correlation(signed: str, check: _Check) -> None:
    """The token's correlation id must be the one the worker received with it."""
    received = check.context.get("correlation_id")
    if received is None:
        log.info("caller for %s.%s carries correlation id %s", check.service, check.method, signed)
    elif received != signed:
        log.warning(
            "caller refused for %s.%s: correlation id %s signed, %s received",
            check.service,
            check.method,
            signed,
            received,
        )
        raise Forbidden(FORBIDDEN_MESSAGE)


def has_role(caller: dict, roles: Iterable[str]) -> bool:
    return bool(set(caller.get("roles") or ()) & set(roles))


def require_role(caller: object, roles: Iterable[str]) -> dict:
    """The identity, if it holds one of ``roles``; Forbidden otherwise (also when anonymous)."""
    loaded = load(caller)
    if not has_role(loaded, roles):
        raise Forbidden(FORBIDDEN_MESSAGE)
    return loaded
