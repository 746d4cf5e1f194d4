"""Rules of démarches that span several fields, named so that a definition can list them.

Each rule takes the loaded fields of a submission and the day of the submission in
Europe/Paris, and returns French errors per field (empty when the submission is acceptable).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

from contracts.demarches import RESIDENT_ZONE_STREETS

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


OUTSIDE_ZONE = (
    "Cette adresse n'est pas dans la zone résidentielle. Rues de la zone : "
    + ", ".join(RESIDENT_ZONE_STREETS)
    + "."
)


def simplified(text: str) -> str:
    """Lower case, no accents, words separated by one space: "Montée des Forts" and
    "montee  des-forts" read the same."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


ZONE = tuple(simplified(street) for street in RESIDENT_ZONE_STREETS)


def resident_zone(data: dict, today: date) -> dict[str, list[str]]:
    """The vignette résident is for an address in one of the zone's streets."""
    address = f" {simplified(data['adresse'])} "
    if any(f" {street} " in address for street in ZONE):
        return {}
    return {"adresse": [OUTSIDE_ZONE]}


def validity_year(data: dict, today: date) -> dict[str, list[str]]:
    """A vignette is asked for the current Paris year or the next one."""
    if data["annee"] in (today.year, today.year + 1):
        return {}
    return {"annee": [f"Choisissez {today.year} ou {today.year + 1}."]}


Rule = Callable[[dict, date], dict[str, list[str]]]

RULES: dict[str, Rule] = {
    "filiation_eligibility": filiation_eligibility,
    "move_notice": move_notice,
    "resident_zone": resident_zone,
    "validity_year": validity_year,
}
