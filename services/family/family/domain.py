"""Rules of the Espace famille: who may activate a family space, who sees a Dossier Unique.

Free of nameko and of sessions: the repository (:mod:`family.repository`) is passed in.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from contracts import family as contract
from contracts.errors import Forbidden, Invalid, NotFound

ACTIVATION_REFUSED = (
    "Ces informations ne correspondent à aucune famille. Vérifiez le numéro de famille indiqué "
    "sur vos factures, le nom de famille et le prénom d'un responsable, puis réessayez."
)
"""The one answer to a wrong activation: it never tells which part was wrong."""

NOT_FOUND = "Famille introuvable."
"""The answer to an account that is not linked to a family, whether it exists or not."""

NOT_IN_SESSION = "Cette famille n'est pas rattachée à votre session. Reconnectez-vous."
"""The answer when the signed caller does not carry the family asked for."""

LOGIN_REQUIRED = "Connectez-vous pour activer votre espace famille."


def normalized_name(value: str) -> str:
    """A name as activation compares it: no accents, case, hyphens, apostrophes or extra spaces.

    ``"Müller"`` and ``"muller"``, ``"Hélène"`` and ``"HELENE"``, ``"Jean-Pierre"`` and
    ``"jean  pierre"`` are the same name (Unicode NFKD, combining marks dropped, casefolded).
    """
    decomposed = unicodedata.normalize("NFKD", value)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    for separator in "-'’‐‑":
        letters = letters.replace(separator, " ")
    return " ".join(letters.split())


def matches(family: Any, family_name: str, adult_first_name: str) -> bool:
    """True when the names typed are the family's name and one of its adults' first names."""
    if family is None or normalized_name(family.name) != normalized_name(family_name):
        return False
    wanted = normalized_name(adult_first_name)
    return any(normalized_name(adult.first_name) == wanted for adult in family.adults)


def refuse_activation() -> Invalid:
    return Invalid(ACTIVATION_REFUSED, {"_schema": [ACTIVATION_REFUSED]})


def activated_event(family: Any, account_id: str) -> dict:
    return {"family_id": family.identifier, "account_id": account_id}


def linked_view(family: Any) -> dict:
    return {"family_id": family.identifier, "name": family.name}


def is_agent(caller: dict) -> bool:
    return bool(set(caller.get("roles") or ()) & set(contract.AGENT_ROLES))


def check_claim(caller: dict, family_id: Any) -> None:
    """A citizen acts only on a family its signed caller carries (``family_ids``); Forbidden
    otherwise, before anything is read, so the answer is the same whether the family exists.

    The claim is the gateway's record of the session's families; the link table stays the
    authority (a link removed since the claim was made still refuses, see find_visible_family).
    """
    if is_agent(caller):
        return
    if caller.get("account_id") is None or str(family_id) not in (caller.get("family_ids") or ()):
        raise Forbidden(NOT_IN_SESSION)


def find_visible_family(families: Any, caller: dict, family_id: Any) -> tuple[Any, bool]:
    """The family ``caller`` may see and whether it sees it as an agent.

    A citizen sees only the families its signed caller carries (Forbidden otherwise) and its
    account is linked to; an unknown identifier and a family of someone else give the same
    ``NotFound``, so guessing identifiers teaches nothing.
    """
    check_claim(caller, family_id)
    as_agent = is_agent(caller)
    family = families.by_identifier(str(family_id)) if family_id is not None else None
    if family is None:
        raise NotFound(NOT_FOUND)
    if as_agent:
        return family, True
    account_id = caller.get("account_id")
    if account_id is None or not families.is_linked(family, account_id):
        raise NotFound(NOT_FOUND)
    return family, False


def family_view(family: Any, health: dict[int, Any]) -> dict:
    """The Dossier Unique; ``health`` maps a child id to its health row (restricted data)."""
    return {
        "family_id": family.identifier,
        "name": family.name,
        "address": family.address,
        "adults": [
            {
                "first_name": adult.first_name,
                "last_name": adult.last_name,
                "relationship": adult.kinship,
                "relationship_label": contract.RELATIONSHIPS[adult.kinship],
                "email": adult.email,
                "phone": adult.phone,
            }
            for adult in family.adults
        ],
        "children": [child_view(child, health.get(child.id)) for child in family.children],
    }


def child_view(child: Any, health: Any) -> dict:
    return {
        "id": child.id,
        "first_name": child.first_name,
        "last_name": child.last_name,
        "birth_date": child.birth_date,
        "school": child.school,
        "class_name": child.class_name,
        "health": None
        if health is None
        else {"allergies": health.allergies, "pai": health.pai, "doctor": health.doctor},
    }


def link_account(families: Any, family: Any, account_id: str, now: datetime) -> bool:
    """Link the account to the family; False when it was linked already (nothing to announce)."""
    if families.is_linked(family, account_id):
        return False
    families.add_link(family, account_id, now)
    return True
