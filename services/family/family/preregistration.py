"""Rules of the crèche and school pre-registrations, free of nameko and of sessions.

School pre-registration online is for families of which at least one child already attends a
public school of the town (the town's rule); the others are sent to the town hall. The sector
school comes from the family's address (:mod:`family.town`), the level from the birth year:
a child turns 3 in the calendar year of the rentrée for petite section, 6 for CP.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from contracts import family_preregistration as contract
from contracts.dates_fr import PARIS
from contracts.errors import Conflict, Forbidden, Invalid
from family.domain import normalized_name
from family.town import Town

NOT_ALLOWED = (
    "La préinscription scolaire en ligne est réservée aux familles dont au moins un enfant "
    "fréquente déjà une école publique de Caluire-et-Cuire. Pour un premier enfant scolarisé "
    "dans la commune, présentez-vous au guichet SimpliCité de l'Hôtel de Ville avec votre "
    "livret de famille et un justificatif de domicile de moins de trois mois."
)
NO_SECTOR = (
    "Votre adresse n'est rattachée à aucune école publique de la commune : contactez le "
    "guichet SimpliCité de l'Hôtel de Ville."
)
NOT_SCHOOL_AGE = (
    "Cet enfant n'est pas en âge d'entrer à l'école maternelle ou élémentaire à la rentrée {year}."
)
LEVEL_AGES = {3: "PS", 4: "MS", 5: "GS", 6: "CP", 7: "CE1", 8: "CE2", 9: "CM1", 10: "CM2"}
UNKNOWN_CRECHE = "Crèche inconnue."
TWICE = "Chaque crèche ne peut être choisie qu'une fois."
START_IN_PAST = "La date d'entrée souhaitée doit être à venir."
NOT_ALLOWED_NOW = "Ce changement de statut n'est pas possible depuis « {status} »."
UNKNOWN_CHILD = "Cet enfant ne fait pas partie de la famille."


def rentree_year(today: date) -> int:
    """The rentrée a pre-registration is for: this September until August, then the next."""
    return today.year if today.month < 9 else today.year + 1


def school_year(today: date) -> str:
    year = rentree_year(today)
    return f"{year}-{year + 1}"


def level_for(birth_date: date, rentree: int) -> str | None:
    """PS for a child turning 3 in the rentrée's calendar year, ... CM2 for 10; else None."""
    return LEVEL_AGES.get(rentree - birth_date.year)


def attends_public_school(town: Town, children: list[Any]) -> bool:
    names = town.public_school_names()
    return any(child.school and normalized_name(child.school) in names for child in children)


def school_refusal(town: Town, family: Any) -> str | None:
    """Why the family may not pre-register online, or None when it may."""
    if not attends_public_school(town, family.children):
        return NOT_ALLOWED
    if not town.sector_of(family.address):
        return NO_SECTOR
    return None


def school_choice(town: Town, family: Any, child: dict, today: date) -> tuple[dict, str]:
    """The sector school and level for ``child`` (``birth_date``); Forbidden or Invalid."""
    refusal = school_refusal(town, family)
    if refusal is not None:
        raise Forbidden(refusal)
    rentree = rentree_year(today)
    level = level_for(child["birth_date"], rentree)
    if level is None:
        message = NOT_SCHOOL_AGE.format(year=rentree)
        raise Invalid(message, {"birth_date": [message]})
    kind = "maternelle" if level in ("PS", "MS", "GS") else "elementaire"
    return town.sector_of(family.address)[kind], level


def check_creche_request(town: Town, data: dict, today: date) -> None:
    errors: dict[str, list[str]] = {}
    if any(code not in town.creches for code in data["creches"]):
        errors["creches"] = [UNKNOWN_CRECHE]
    elif len(set(data["creches"])) != len(data["creches"]):
        errors["creches"] = [TWICE]
    if data["desired_start"] <= today:
        errors["desired_start"] = [START_IN_PAST]
    if errors:
        raise Invalid("Le formulaire contient des erreurs.", errors)


def reference(kind: str, number: int, when: datetime) -> str:
    prefix = "CRE" if kind == "creche" else "SCO"
    return f"{prefix}-{when.astimezone(PARIS).year}-{number:06d}"


def check_transition(kind: str, current: str, wanted: str) -> None:
    if wanted not in contract.TRANSITIONS[kind][current]:
        label = contract.STATUSES[current]
        raise Conflict(NOT_ALLOWED_NOW.format(status=label))


def submitted_event(row: Any, family_identifier: str) -> dict:
    return {
        "reference": reference(row.kind, row.id, row.submitted_at),
        "family_id": family_identifier,
        "account_id": row.submitted_by,
        "kind": row.kind,
        "child_first_name": row.child_first_name,
        "submitted_at": row.submitted_at,
    }


def status_event(row: Any, family_identifier: str, comment: str, now: datetime) -> dict:
    """What the family is told of a new status; ``account_id`` is the one that submitted it."""
    event = submitted_event(row, family_identifier)
    del event["submitted_at"]
    return {**event, "status": row.status, "comment": comment, "changed_at": now}


def view(town: Town, row: Any, family_identifier: str) -> dict:
    school = None
    if row.school:
        school = {"code": row.school, "name": town.schools[row.school]["name"]}
    return {
        "id": row.id,
        "reference": reference(row.kind, row.id, row.submitted_at),
        "family_id": family_identifier,
        "kind": row.kind,
        "kind_label": contract.KINDS[row.kind],
        "child_first_name": row.child_first_name,
        "child_last_name": row.child_last_name,
        "birth_date": row.birth_date,
        "expected_birth_date": row.expected_birth_date,
        "desired_start": row.desired_start,
        "days_per_week": row.days_per_week,
        "hours_per_week": row.hours_per_week,
        "creches": [{"code": code, "name": town.creches[code]} for code in row.creches],
        "school": school,
        "level": row.level,
        "school_year": row.school_year,
        "status": row.status,
        "status_label": contract.STATUSES[row.status],
        "next_statuses": list(contract.TRANSITIONS[row.kind][row.status]),
        "submitted_at": row.submitted_at,
        "history": [
            {
                "status": step.status,
                "status_label": contract.STATUSES[step.status],
                "comment": step.comment,
                "changed_at": step.changed_at,
            }
            for step in row.steps
        ],
    }
