"""Rules of the Dossier Unique: what applies at once, what waits for an agent, the history.

Free of nameko and of sessions: the repository (:class:`family.dossier_repository.Dossiers`)
is passed in. A family's change of the adults (custody included) or of the quotient familial
waits for a SimpliCité agent; every other section applies at once. An agent's own change
applies at once, whatever the section. Each section changed is one history entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from contracts import family as family_contract
from contracts import family_dossier as contract
from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Invalid, NotFound

UNKNOWN_CHILD = "Cet enfant ne fait pas partie de la famille."
ALREADY_DECIDED = "Cette demande a déjà été traitée."
CHANGE_NOT_FOUND = "Demande introuvable."
IDENTIFIER_TAKEN = "Ce numéro de famille est déjà attribué."


@dataclass
class Update:
    """What an update did: sections applied, sections waiting, and the quotient to announce."""

    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    quotient_event: dict | None = None


def is_agent(caller: dict) -> bool:
    return bool(set(caller.get("roles") or ()) & set(family_contract.AGENT_ROLES))


def adult_values(adult: Any) -> dict:
    return {
        "first_name": adult.first_name,
        "last_name": adult.last_name,
        "relationship": adult.kinship,
        "email": adult.email,
        "phone": adult.phone,
        "custody": adult.custody,
    }


def adult_columns(values: dict) -> dict:
    """An ``AdultInput`` as the columns of ``family.models.Adult``."""
    columns = {key: values[key] for key in ("first_name", "last_name", "email", "phone")}
    return {**columns, "kinship": values["relationship"], "custody": values["custody"]}


def contact_values(contact: Any) -> dict:
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "relationship": contact.relationship,
    }


def section_values(dossiers: Any, family: Any, section: str) -> dict:
    """The section's current values, as the history keeps them (health: the children only)."""
    if section == "address":
        return {"address": family.address}
    if section == "adults":
        return {"adults": [adult_values(adult) for adult in family.adults]}
    if section == "children":
        return {
            "children": [
                {"id": c.id, "school": c.school, "class_name": c.class_name}
                for c in family.children
            ]
        }
    if section in contract.CONTACT_KINDS:
        return {section: [contact_values(c) for c in dossiers.contacts(family, section)]}
    if section == "consents":
        return {"photos": family.consent_photos, "outings": family.consent_outings}
    if section == "quotient":
        return {
            "quotient_familial": family.quotient_familial,
            "valid_from": str(family.quotient_valid_from or "") or None,
        }
    return {}


def proposed_values(section: str, value: Any) -> dict:
    """What the history keeps of a proposed section (health: which children, no values)."""
    if section == "health":
        return {"children": [item["child_id"] for item in value]}
    if section == "quotient":
        return {"quotient_familial": value["quotient_familial"]}
    if section in ("address", "adults", "children", *contract.CONTACT_KINDS):
        return {section: value}
    return dict(value)


def check_children(family: Any, data: dict) -> None:
    """Invalid when a schooling or health entry names a child of another family."""
    ids = {child.id for child in family.children}
    for section, key in (("children", "id"), ("health", "child_id")):
        for index, item in enumerate(data.get(section) or ()):
            if item[key] not in ids:
                raise Invalid(UNKNOWN_CHILD, {f"{section}.{index}.{key}": [UNKNOWN_CHILD]})


def apply_section(dossiers: Any, family: Any, section: str, value: Any) -> None:
    """Write one section into the Dossier Unique."""
    if section == "address":
        family.address = value
    elif section == "adults":
        dossiers.replace_adults(family, [adult_columns(adult) for adult in value])
    elif section == "children":
        by_id = {child.id: child for child in family.children}
        for item in value:
            by_id[item["id"]].school = item["school"] or None
            by_id[item["id"]].class_name = item["class_name"] or None
    elif section == "health":
        for item in value:
            dossiers.set_health(item)
    elif section in contract.CONTACT_KINDS:
        dossiers.replace_contacts(family, section, value)
    elif section == "consents":
        family.consent_photos, family.consent_outings = value["photos"], value["outings"]
    elif section == "quotient":
        family.quotient_familial = value["quotient_familial"]
    elif section == "birth":
        add_born_child(dossiers, family, value)


BIRTH_FIELD = "certificate"
BIRTH_DATE_WRONG = "La date de naissance doit être passée et dater de moins d'un an."
BIRTH_DAYS = 366
PREREGISTRATION_UNKNOWN = "Cette préinscription en crèche n'est pas celle de votre famille."


def declare_birth(
    dossiers: Any, family: Any, caller: dict, data: dict, links: dict, now: datetime
) -> Any:
    """A birth declared by the family: a waiting ``birth`` change holding the child, with its
    certificate (``links``: ``certificate``, a CleanCertificate, and ``preregistration``, the
    family's crèche pre-registration row or None). Several may wait at once (twins)."""
    today = paris_today(now)
    if not today - timedelta(days=BIRTH_DAYS) <= data["birth_date"] <= today:
        raise Invalid(BIRTH_DATE_WRONG, {"birth_date": [BIRTH_DATE_WRONG]})
    prereg = links.get("preregistration")
    child = {
        "first_name": data["first_name"],
        "last_name": data["last_name"] or family.name,
        "birth_date": data["birth_date"].isoformat(),
        "preregistration_id": prereg.id if prereg is not None else None,
    }
    change = dossiers.add_change(
        family,
        section="birth",
        status="en_attente",
        proposed={"birth": child},
        previous={},
        requested_by=caller["account_id"],
        requested_as="famille",
        now=now,
    )
    change.certificate_id = dossiers.add_certificate(family, links["certificate"], now).id
    dossiers.flush()
    return change


def add_born_child(dossiers: Any, family: Any, value: dict) -> None:
    """The validated birth: the child in the Dossier Unique, its pre-registration linked."""
    child = dossiers.add_child(
        family, value["first_name"], value["last_name"], date.fromisoformat(value["birth_date"])
    )
    if value.get("preregistration_id") is not None:
        dossiers.link_preregistration(value["preregistration_id"], child)


def quotient_event(family: Any, now: datetime) -> dict:
    """``quotient_changed`` for the family's quotient as it now stands (contracts-shared)."""
    return {
        "family_id": family.identifier,
        "quotient_familial": family.quotient_familial,
        "resident": family.resident,
        "valid_from": family.quotient_valid_from,
        "changed_at": now,
    }


def validate_quotient(family: Any, quotient: int | None, now: datetime) -> dict:
    """Set the family's quotient, valid from today (Paris); the event to publish."""
    family.quotient_familial = quotient
    family.quotient_valid_from = paris_today(now)
    return quotient_event(family, now)


def update(
    dossiers: Any, family: Any, caller: dict, data: dict, certificate: Any, now: datetime
) -> Update:
    """Apply or queue each section of ``data`` (``UpdateDossier``) and keep its history."""
    check_children(family, data)
    as_agent = is_agent(caller)
    outcome = Update()
    for section in contract.SECTIONS:
        if section not in data:
            continue
        value = data[section]
        waits = section in contract.VALIDATED_SECTIONS and not as_agent
        change = dossiers.add_change(
            family,
            section=section,
            status="en_attente" if waits else "appliquee",
            proposed=proposed_values(section, value),
            previous=section_values(dossiers, family, section),
            requested_by=caller["account_id"],
            requested_as="agent" if as_agent else "famille",
            now=now,
        )
        if section == "quotient" and certificate is not None:
            change.certificate_id = dossiers.add_certificate(family, certificate, now).id
        if waits:
            dossiers.replace_pending(family, section, change)
            outcome.pending.append(section)
            continue
        if section == "quotient":
            outcome.quotient_event = validate_quotient(family, value["quotient_familial"], now)
        else:
            apply_section(dossiers, family, section, value)
        outcome.applied.append(section)
    dossiers.flush()
    return outcome


def changed_event(family: Any, caller: dict, outcome: Update, now: datetime) -> dict:
    return {
        "family_id": family.identifier,
        "account_id": caller["account_id"],
        "changed_by": "agent" if is_agent(caller) else "famille",
        "applied": outcome.applied,
        "pending": outcome.pending,
        "changed_at": now,
    }


def decide(dossiers: Any, change: Any, agent_id: str, data: dict, now: datetime) -> dict | None:
    """Validate or refuse a waiting change; the ``quotient_changed`` event, if there is one."""
    if change is None:
        raise NotFound(CHANGE_NOT_FOUND)
    if change.status != "en_attente":
        raise Conflict(ALREADY_DECIDED)
    family = dossiers.family_of(change)
    change.status, change.reason = data["decision"], data["reason"] or None
    change.decided_by, change.decided_at = agent_id, now
    if change.status != "validee":
        return None
    if change.section == "quotient":
        return validate_quotient(family, change.proposed["quotient_familial"], now)
    change.previous = section_values(dossiers, family, change.section)
    apply_section(dossiers, family, change.section, change.proposed[change.section])
    return None


def decided_event(change: Any, family: Any) -> dict:
    return {
        "family_id": family.identifier,
        "change_id": change.id,
        "account_id": change.requested_by,
        "section": change.section,
        "decision": change.status,
        "reason": change.reason or "",
        "decided_at": change.decided_at,
    }
