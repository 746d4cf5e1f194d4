"""The Dossier Unique's edit forms: each section's inputs, read into ``UpdateDossier`` and back.

Input names are the payload's paths with ``-`` for ``.`` (``pickup-0-phone`` is
``pickup[0].phone``), so a service's field message (``pickup.0.phone``) lands under its input.
A list section shows its people and empty slots up to its maximum; a slot left blank is not
sent. The family service validates everything; nothing here decides what is allowed.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage

from contracts import family as family_contract
from contracts import family_dossier as contract

PERSON_FIELDS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "phone": "Téléphone",
    "relationship": "Lien avec les enfants",
}
ADULT_FIELDS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "relationship": "Lien avec les enfants",
    "email": "Adresse e-mail",
    "phone": "Téléphone",
    "custody": "Garde des enfants",
}
CERTIFICATE_INPUT = "quotient-certificate"
CERTIFICATE_TOO_BIG = "Le justificatif dépasse 5 Mo."


@dataclass(frozen=True)
class Section:
    slug: str  # in the page's address
    key: str  # in UpdateDossier
    title: str
    slots: int = 0  # list sections: how many people at most


SECTIONS = {
    section.slug: section
    for section in (
        Section("adresse", "address", "Adresse"),
        Section("responsables", "adults", "Responsables et garde", slots=2),
        Section("scolarite", "children", "Scolarité des enfants"),
        Section("sante", "health", "Santé des enfants"),
        Section("personnes-autorisees", "pickup", contract.CONTACT_KINDS["pickup"], slots=6),
        Section("contacts-urgence", "emergency", contract.CONTACT_KINDS["emergency"], slots=4),
        Section("autorisations", "consents", "Autorisations"),
        Section("quotient-familial", "quotient", "Quotient familial"),
    )
}
CHOICES = {"relationship": family_contract.RELATIONSHIPS, "custody": contract.CUSTODY}


def form_errors(fields: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """A service's field messages keyed by input name."""
    return {name.replace(".", "-"): messages for name, messages in fields.items()}


def _people_fields(section: Section) -> dict[str, str]:
    return ADULT_FIELDS if section.key == "adults" else PERSON_FIELDS


def labels(section: Section, dossier: dict) -> dict[str, str]:
    """Every input of the section's form, in screen order, with the label the summary shows."""
    key = section.key
    if key == "address":
        return {"address": "Adresse"}
    if key == "consents":
        return {"consents-photos": "Photos", "consents-outings": "Sorties"}
    if key == "quotient":
        return {"quotient-quotient_familial": "Quotient familial", CERTIFICATE_INPUT: "Attestation"}
    if section.slots:
        return {
            f"{key}-{slot}-{name}": f"{text} ({slot + 1})"
            for slot in range(section.slots)
            for name, text in _people_fields(section).items()
        }
    names = ("school", "class_name") if key == "children" else ("allergies", "pai", "doctor")
    return {
        f"{key}-{index}-{name}": f"{child['first_name']} : {name}"
        for index, child in enumerate(dossier["children"])
        for name in names
    }


def values(section: Section, dossier: dict) -> dict[str, Any]:
    """The form filled with the dossier as it stands."""
    key = section.key
    if key == "address":
        return {"address": dossier["address"]}
    if key == "consents":
        return {f"consents-{name}": dossier["consents"][name] for name in ("photos", "outings")}
    if key == "quotient":
        return {"quotient-quotient_familial": dossier["quotient"]["quotient_familial"] or ""}
    if section.slots:
        people = dossier[key]
        return {
            f"{key}-{slot}-{name}": person.get(name, "")
            for slot, person in enumerate(people)
            for name in _people_fields(section)
        }
    filled: dict[str, Any] = {}
    for index, child in enumerate(dossier["children"]):
        if key == "children":
            filled[f"children-{index}-school"] = child["school"] or ""
            filled[f"children-{index}-class_name"] = child["class_name"] or ""
        else:
            health = child["health"] or {"allergies": "", "pai": False, "doctor": ""}
            for name in ("allergies", "pai", "doctor"):
                filled[f"health-{index}-{name}"] = health[name]
    return filled


def typed(section: Section, dossier: dict, form: Mapping[str, str]) -> dict[str, Any]:
    """What was typed, to show again with the messages (files are never shown again)."""
    shown = {name: (form.get(name) or "").strip() for name in labels(section, dossier)}
    for name in shown:
        if name.endswith(("-pai", "-photos", "-outings")):
            shown[name] = name in form
    shown.pop(CERTIFICATE_INPUT, None)
    return shown


def payload(
    section: Section, dossier: dict, form: Mapping[str, str], upload: FileStorage | None
) -> dict[str, Any]:
    """The ``UpdateDossier`` payload of the section's form."""
    key, shown = section.key, typed(section, dossier, form)
    if key == "address":
        return {"address": shown["address"]}
    if key == "consents":
        return {"consents": {name: shown[f"consents-{name}"] for name in ("photos", "outings")}}
    if key == "quotient":
        quotient = {"quotient_familial": shown["quotient-quotient_familial"] or None}
        return {"quotient": {**quotient, "certificate": certificate(upload)}}
    if section.slots:
        people = []
        for slot in range(section.slots):
            person = {name: shown[f"{key}-{slot}-{name}"] for name in _people_fields(section)}
            if any(person.values()):
                people.append(person)
        return {key: people}
    items = []
    for index, child in enumerate(dossier["children"]):
        prefix = f"{key}-{index}-"
        if key == "children":
            item = {"id": child["id"], "school": shown[prefix + "school"] or None}
            items.append({**item, "class_name": shown[prefix + "class_name"] or None})
        else:
            fields = {name: shown[prefix + name] for name in ("allergies", "pai", "doctor")}
            items.append({"child_id": child["id"], **fields})
    return {key: items}


def certificate(upload: FileStorage | None) -> dict[str, str] | None:
    """The uploaded file as ``CertificateUpload`` (base64); the service sniffs and checks it.

    A file over the cap is cut at one byte more than allowed, so the service refuses it with
    its own message without the whole file crossing the broker.
    """
    if upload is None or not upload.filename:
        return None
    content = upload.stream.read(contract.CERTIFICATE_MAX_BYTES + 1)
    filename = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][-255:] or "justificatif"
    return {"filename": filename, "data": base64.b64encode(content).decode("ascii")}
