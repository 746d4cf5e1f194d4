"""Rules of démarches that span several fields, named so that a definition can list them.

Each rule takes the loaded fields of a submission and returns French errors per field
(empty when the submission is acceptable).
"""

from __future__ import annotations

from collections.abc import Callable

RESTRICTED_COPIES = frozenset({"integrale", "extrait_avec_filiation"})
ENTITLED_RELATIONSHIPS = frozenset(
    {"titulaire", "ascendant", "descendant", "conjoint", "representant_legal"}
)
NOT_ENTITLED = (
    "Une copie intégrale ou un extrait avec filiation n'est délivré qu'à la personne "
    "concernée, à ses ascendants, descendants, à son conjoint ou à son représentant légal. "
    "Vous pouvez demander un extrait sans filiation."
)


def filiation_eligibility(data: dict) -> dict[str, list[str]]:
    """Intégrale or extrait avec filiation only for the person and close relatives; an
    extrait sans filiation for anyone (article 9 du décret n° 2017-890)."""
    if data.get("copie") in RESTRICTED_COPIES and data.get("lien") not in ENTITLED_RELATIONSHIPS:
        return {"lien": [NOT_ENTITLED]}
    return {}


RULES: dict[str, Callable[[dict], dict[str, list[str]]]] = {
    "filiation_eligibility": filiation_eligibility,
}
