"""Rules of the SimpliCité agents' tools: searching families and creating one.

Free of nameko and of sessions: the repository (:class:`family.dossier_repository.Dossiers`)
is passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.errors import Conflict, Invalid
from family import dossier
from family.domain import normalized_name
from family.models import Adult, Child, Family

MIN_SEARCH = 2
SEARCH_TOO_SHORT = "Tapez au moins 2 caractères : un numéro de famille ou un nom."


def search_words(query: Any) -> str:
    """What the search compares: the query without accents, case, hyphens or extra spaces."""
    words = normalized_name(query) if isinstance(query, str) else ""
    if len(words) < MIN_SEARCH:
        raise Invalid(SEARCH_TOO_SHORT, {"q": [SEARCH_TOO_SHORT]})
    return words


def summary_view(family: Any) -> dict:
    return {
        "family_id": family.identifier,
        "name": family.name,
        "adults": [f"{a.first_name} {a.last_name}" for a in family.adults],
        "children": [f"{c.first_name} {c.last_name}" for c in family.children],
    }


def new_family(families: Any, dossiers: Any, data: dict, now: datetime) -> Family:
    """The family an agent creates, with the given identifier or the next free one."""
    identifier = data["family_id"] or dossiers.next_identifier()
    if families.by_identifier(identifier) is not None:
        raise Conflict(dossier.IDENTIFIER_TAKEN)
    created = Family(
        identifier=identifier,
        name=data["name"],
        address=data["address"],
        created_at=now,
        resident=data["resident"],
        adults=[
            Adult(position=position, **dossier.adult_columns(values))
            for position, values in enumerate(data["adults"], start=1)
        ],
        children=[Child(**child) for child in data["children"]],
    )
    families.add(created)
    if data["quotient_familial"] is not None:
        created.quotient_familial = data["quotient_familial"]
        created.quotient_valid_from = dossier.paris_today(now)
    return created
