"""Rules of démarches that span several fields, named so that a definition can list them.

Each rule takes the loaded fields of a submission and the day of the submission in
Europe/Paris, and returns French errors per field (empty when the submission is acceptable).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

RESTRICTED_COPIES = frozenset({"integrale", "extrait_avec_filiation"})
ENTITLED_RELATIONSHIPS = frozenset(
    {"titulaire", "ascendant", "descendant", "conjoint", "representant_legal"}
)
NOT_ENTITLED = (
    "Une copie intégrale ou un extrait avec filiation n'est délivré qu'à la personne "
    "concernée, à ses ascendants, descendants, à son conjoint ou à son représentant légal. "
    "Vous pouvez demander un extrait sans filiation."
)


def filiation_eligibility(data: dict, today: date) -> dict[str, list[str]]:
    """Intégrale or extrait avec filiation only for the person and close relatives; an
    extrait sans filiation for anyone (article 9 du décret n° 2017-890)."""
    if data.get("copie") in RESTRICTED_COPIES and data.get("lien") not in ENTITLED_RELATIONSHIPS:
        return {"lien": [NOT_ENTITLED]}
    return {}


MOVE_NOTICE_DAYS = 10
MOVE_LONGEST_DAYS = 3


def move_notice(data: dict, today: date) -> dict[str, list[str]]:
    """An arrêté de stationnement is asked at least 10 days before its first day (``today``
    is the Paris date of the request), for at most 3 consecutive days."""
    start, end = data["date_debut"], data["date_fin"]
    earliest = today + timedelta(days=MOVE_NOTICE_DAYS)
    errors = {}
    if start < earliest:
        errors["date_debut"] = [
            f"Demandez l'arrêté au moins {MOVE_NOTICE_DAYS} jours avant le déménagement : "
            f"premier jour possible le {earliest.strftime('%d/%m/%Y')}."
        ]
    if end < start:
        errors["date_fin"] = ["Le dernier jour ne peut pas précéder le premier."]
    elif (end - start).days >= MOVE_LONGEST_DAYS:
        errors["date_fin"] = [f"Un arrêté couvre {MOVE_LONGEST_DAYS} jours au plus."]
    return errors


Rule = Callable[[dict, date], dict[str, list[str]]]

RULES: dict[str, Rule] = {
    "filiation_eligibility": filiation_eligibility,
    "move_notice": move_notice,
}
