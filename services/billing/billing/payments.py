"""Rules of an online payment attempt: what a verified provider answer may change.

States: ``created`` -> ``redirected`` -> ``waiting`` -> ``paid`` | ``refused`` |
``cancelled`` | ``expired`` | ``error``; any -> ``review`` when the provider's amount or
currency differs from the attempt, or when money arrives on an attempt already closed
without it; ``review`` -> ``paid`` | ``to_refund`` when the régie settles it
(:func:`settle`), never by a provider's answer. States only move forward: a replayed, late or contradicting answer changes
nothing, and an attempt is paid (and its money allocated) at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import Conflict

CURRENCY_EUR = "978"

OPEN_STATES = ("created", "redirected", "waiting")
FAILED_STATES = ("refused", "cancelled", "expired", "error")
RANK = {"created": 0, "redirected": 1, "waiting": 2}
"""Final states (paid, failed, review) rank above every open one."""


class Unverified(Exception):
    """A provider's call that proves nothing (bad signature, unreadable, another shop's):
    stored, never applied."""


class StatusUnavailable(Unverified):
    """The provider's status could not be fetched (its web service failed): nothing applied,
    the reconciliation timer asks again."""


@dataclass(frozen=True)
class Verdict:
    """What a provider said about an attempt, once its signature or origin was verified."""

    attempt_id: str
    state: str  # one of "waiting", "paid", *FAILED_STATES
    amount_cents: int | None
    currency: str | None
    provider_reference: str | None


@dataclass(frozen=True)
class Decision:
    """``action``: "pay" (book and allocate), "fail", "review", "wait" or "ignore"."""

    action: str
    state: str
    reason: str


def decide(current: str, expected_cents: int, verdict: Verdict) -> Decision:
    """The attempt's next state from a verified ``verdict`` (see the module docstring)."""
    if verdict.state == "paid":
        mismatch = _mismatch(expected_cents, verdict)
        if current == "paid":
            return Decision("ignore", current, "paiement déjà enregistré")
        if current == "to_refund":
            return Decision("ignore", current, "paiement à rembourser par la régie")
        if current == "review":
            return Decision("ignore", current, "déjà en vérification")
        if mismatch:
            return Decision("review", "review", mismatch)
        if current in FAILED_STATES:
            return Decision("review", "review", f"paiement reçu après l'état {current}")
        return Decision("pay", "paid", "paiement accepté")
    if current not in OPEN_STATES:
        return Decision("ignore", current, f"état {current} définitif, {verdict.state} ignoré")
    if verdict.state == "waiting":
        if RANK[current] >= RANK["waiting"]:
            return Decision("ignore", current, "toujours en attente")
        return Decision("wait", "waiting", "en attente du résultat")
    return Decision("fail", verdict.state, f"paiement {verdict.state}")


def _mismatch(expected_cents: int, verdict: Verdict) -> str | None:
    if verdict.amount_cents != expected_cents:
        return f"montant reçu {verdict.amount_cents} au lieu de {expected_cents} centimes"
    if verdict.currency != CURRENCY_EUR:
        return f"devise {verdict.currency} au lieu de {CURRENCY_EUR}"
    return None


SETTLEMENTS = {"affecter": "paid", "rembourser": "to_refund"}
"""The régie's decisions on an attempt under review, and the state each gives it."""
NOT_IN_REVIEW = "Ce paiement n'est plus en attente de vérification : une décision a déjà été prise."


def settle(current: str, decision: str) -> str:
    """The state the régie's ``decision`` gives an attempt; only one in ``review`` moves."""
    if current != "review":
        raise Conflict(NOT_IN_REVIEW)
    return SETTLEMENTS[decision]
