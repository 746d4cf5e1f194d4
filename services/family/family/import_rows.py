"""Rows of the previous software's CSV export of families, read and checked one by one.

One row per family (column format in ``docs/family-import.md``): the identifier, name,
address, quotient familial, up to two responsible adults (``responsable1_*``,
``responsable2_*``) and any number of children (``enfant1_*``, ``enfant2_*``...). French dates
(dd/mm/yyyy). A row that cannot be imported is rejected with the reason, in French, and the
others go on. Free of sessions: :mod:`family.importer` stores what this module reads.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.family import FAMILY_IDENTIFIER, RELATIONSHIPS
from family.domain import normalized_name

REQUIRED_COLUMNS = (
    "numero_famille",
    "nom",
    "adresse",
    "responsable1_prenom",
    "responsable1_nom",
)
ADULT_FIELDS = ("prenom", "nom", "lien", "email", "telephone")
CHILD_FIELDS = ("prenom", "nom", "naissance", "ecole", "classe")
CHILD_COLUMN = re.compile(r"^enfant(\d+)_prenom$")
RELATIONSHIP_WORDS = {normalized_name(label): code for code, label in RELATIONSHIPS.items()}
RELATIONSHIP_WORDS |= {code: code for code in RELATIONSHIPS} | {"tutrice": "tuteur", "": "autre"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
YES = {"oui", "o", "1", "vrai", "yes", ""}
NO = {"non", "n", "0", "faux", "no"}


class FileRefused(Exception):
    """The file cannot be read at all (encoding, missing columns): nothing is imported."""


class RowRejected(Exception):
    """One row cannot be imported; the message says why, in French."""


@dataclass
class AdultRow:
    first_name: str
    last_name: str
    kinship: str
    email: str
    phone: str


@dataclass
class ChildRow:
    first_name: str
    last_name: str
    birth_date: date
    school: str | None
    class_name: str | None


@dataclass
class FamilyRow:
    line: int
    identifier: str
    name: str
    address: str
    quotient_familial: int | None
    resident: bool
    adults: list[AdultRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)


def decode(raw: bytes) -> tuple[str, str]:
    """The text of the file and its encoding: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise FileRefused(f"Encodage non reconnu (ni UTF-8 ni Windows-1252) : {exc}") from None


def read(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The columns and the rows (line number, values) of the CSV ``text``; ``;`` or ``,``."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [name.strip().lower() for name in reader.fieldnames or ()]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FileRefused(f"Colonnes manquantes : {', '.join(missing)}.")
    reader.fieldnames = columns

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            cleaned = {key: (value or "").strip() for key, value in values.items() if key}
            if any(cleaned.values()):
                yield reader.line_num, cleaned

    return columns, rows()


def french_date(value: str, what: str) -> date:
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise RowRejected(f"{what} : date invalide « {value} » (attendu jj/mm/aaaa).") from None


def _adult(values: dict[str, str], number: int) -> AdultRow | None:
    given = {name: values.get(f"responsable{number}_{name}", "") for name in ADULT_FIELDS}
    if not any(given.values()):
        return None
    if not given["prenom"] or not given["nom"]:
        raise RowRejected(f"Responsable {number} : prénom et nom obligatoires.")
    kinship = RELATIONSHIP_WORDS.get(normalized_name(given["lien"]))
    if kinship is None:
        raise RowRejected(f"Responsable {number} : lien « {given['lien']} » inconnu.")
    if given["email"] and not EMAIL.match(given["email"]):
        raise RowRejected(f"Responsable {number} : adresse e-mail invalide « {given['email']} ».")
    return AdultRow(given["prenom"], given["nom"], kinship, given["email"], given["telephone"])


def _child(values: dict[str, str], number: int, family_name: str) -> ChildRow | None:
    given = {name: values.get(f"enfant{number}_{name}", "") for name in CHILD_FIELDS}
    if not any(given.values()):
        return None
    if not given["prenom"] or not given["naissance"]:
        raise RowRejected(f"Enfant {number} : prénom et date de naissance obligatoires.")
    born = french_date(given["naissance"], f"Enfant {number}")
    return ChildRow(
        given["prenom"],
        given["nom"] or family_name,
        born,
        given["ecole"] or None,
        given["classe"] or None,
    )


LIMITS = {"adresse": 300, "email": 254, "telephone": 30, "classe": 20}
"""Longest value per column (by the end of its name); 100 for the others."""


def check_lengths(values: dict[str, str]) -> None:
    for column, value in values.items():
        limit = next((n for end, n in LIMITS.items() if column.endswith(end)), 100)
        if len(value) > limit:
            raise RowRejected(f"{column} : {limit} caractères au plus.")


def parse(line: int, values: dict[str, str], child_numbers: list[int]) -> FamilyRow:
    """The family of one row; ``RowRejected`` with the reason when it cannot be imported."""
    check_lengths(values)
    identifier = values.get("numero_famille", "")
    if not re.match(FAMILY_IDENTIFIER, identifier):
        raise RowRejected(f"Numéro de famille « {identifier} » invalide (3 à 5 chiffres).")
    if not values.get("nom") or not values.get("adresse"):
        raise RowRejected("Nom de famille et adresse obligatoires.")
    quotient = values.get("quotient_familial", "").replace(" ", "")
    if quotient and not (quotient.isdigit() and int(quotient) <= 99_999):
        raise RowRejected(f"Quotient familial « {quotient} » invalide (nombre entier attendu).")
    resident = values.get("resident", "").lower()
    if resident not in YES | NO:
        raise RowRejected(f"Résident « {resident} » : oui ou non attendu.")
    row = FamilyRow(
        line,
        identifier,
        values["nom"],
        values["adresse"],
        int(quotient) if quotient else None,
        resident in YES,
    )
    row.adults = [adult for n in (1, 2) if (adult := _adult(values, n)) is not None]
    row.children = [c for n in child_numbers if (c := _child(values, n, row.name)) is not None]
    return row


def child_numbers(columns: list[str]) -> list[int]:
    return sorted(int(m.group(1)) for name in columns if (m := CHILD_COLUMN.match(name)))
