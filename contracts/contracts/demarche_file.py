"""Démarches the town adds without code: definitions read from a JSON file at start.

``DEMARCHES_FILE`` names the file (mounted from a ConfigMap in Kubernetes, a volume with
compose); :mod:`contracts.demarches` reads it when first imported, so the gateway (forms,
agent pages) and the requests service (validation, workflow) hold the same catalogue. Every
entry is checked against :class:`contracts.demarches.Demarche` and
:class:`contracts.demarches.Field`; the first problem stops the process with a message naming
the démarche and the field (:class:`DemarcheFileError`). The format and a worked example are
in ``docs/operations.md`` ("Adding a démarche") and ``deploy/demarches.example.json``.

A file entry never replaces a démarche of the default catalogue: one whose ``code`` or
``prefix`` is already taken is refused. Existing requests, their tracking numbers and the
rules written in code stay attached to the definitions that made them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contracts.identity import ROLES

if TYPE_CHECKING:
    from contracts.demarches import Demarche, Field

# contracts.demarches imports this module at its end to read the file: the definitions are
# taken from it when called (``_catalogue``), never at import.


def _catalogue():
    from contracts import demarches

    return demarches


SETTING = "DEMARCHES_FILE"
KINDS = ("text", "textarea", "choice", "date", "email", "number", "plate", "file")
CODE = re.compile(r"[a-z][a-z0-9_]{2,39}")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
PREFIX = re.compile(r"[A-Z]{3}")
STATUS = re.compile(r"[a-z][a-z0-9_]{0,39}")

DEMARCHE_KEYS = {
    "code", "title", "area", "description", "prefix", "role", "expected_days", "fields",
    "account_required", "log_views", "rules", "workflow", "statuses", "initial_status",
    "transitions", "notified_statuses", "reason_required",
}  # fmt: skip
FIELD_KEYS = {"name", "label", "kind", "required", "max_length", "choices", "hint", "low", "high"}
OWN_WORKFLOW = ("statuses", "initial_status", "transitions", "notified_statuses")


class DemarcheFileError(ValueError):
    """The file of démarches cannot be used; the message says where and why."""


def load(path: str | Path) -> list[Demarche]:
    """The démarches of the JSON file at ``path``, checked; DemarcheFileError otherwise."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DemarcheFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise DemarcheFileError(f"{path}: not valid JSON ({exc})") from None
    try:
        return parse(document, existing=_catalogue().CATALOGUE)
    except DemarcheFileError as exc:
        raise DemarcheFileError(f"{path}: {exc}") from None


def parse(document: Any, existing: Mapping[str, Demarche]) -> list[Demarche]:
    """The démarches of a decoded file, none of which may reuse a code or prefix of
    ``existing`` or of another entry."""
    if not isinstance(document, dict) or set(document) != {"demarches"}:
        raise DemarcheFileError('expected an object with one key, "demarches" (a list)')
    entries = document["demarches"]
    if not isinstance(entries, list) or not entries:
        raise DemarcheFileError('"demarches" must be a non-empty list')
    found: list[Demarche] = []
    for index, entry in enumerate(entries, start=1):
        label = f"démarche {index}"
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            label += f" ({entry['code']})"
        try:
            demarche = _demarche(entry)
            _unique(demarche, [*existing.values(), *found])
        except DemarcheFileError as exc:
            raise DemarcheFileError(f"{label}: {exc}") from None
        found.append(demarche)
    return found


def install(demarches: Iterable[Demarche]) -> None:
    """Add ``demarches`` to the catalogue every module reads (after the default ones)."""
    catalogue = _catalogue()
    for demarche in demarches:
        catalogue.CATALOGUE[demarche.code] = demarche
        catalogue.GENERIC[demarche.code] = demarche


def uninstall(demarches: Iterable[Demarche]) -> None:
    catalogue = _catalogue()
    for demarche in demarches:
        catalogue.CATALOGUE.pop(demarche.code, None)
        catalogue.GENERIC.pop(demarche.code, None)


def install_from_setting() -> list[Demarche]:
    """Read and install the file ``DEMARCHES_FILE`` names, if any."""
    path = os.environ.get(SETTING, "").strip()
    if not path:
        return []
    demarches = load(path)
    install(demarches)
    return demarches


def _unique(demarche: Demarche, others: list[Demarche]) -> None:
    for other in others:
        if other.code == demarche.code:
            raise DemarcheFileError(
                f"code: {demarche.code!r} is already used by {other.title!r}; a file adds "
                "démarches and never replaces one (choose another code)"
            )
        if other.prefix == demarche.prefix:
            raise DemarcheFileError(
                f"prefix: {demarche.prefix!r} is already used by {other.code!r}; tracking "
                "numbers must tell démarches apart"
            )


def _demarche(entry: Any) -> Demarche:
    if not isinstance(entry, dict):
        raise DemarcheFileError("must be an object")
    _known_keys(entry, DEMARCHE_KEYS, "")
    code = _matching(entry, "code", CODE, "lower-case letters, digits and _, 3 to 40")
    prefix = _matching(entry, "prefix", PREFIX, "three capital letters, e.g. ACC")
    title = _text(entry, "title", 200)
    area = _text(entry, "area", 100)
    description = _text(entry, "description", 1000)
    role = entry.get("role")
    if role not in ROLES:
        raise DemarcheFileError(f"role: {role!r} is not a role ({', '.join(ROLES)})")
    expected_days = _integer(entry, "expected_days", 1, 365)
    fields = _fields(entry.get("fields"))
    rules = _rules(entry.get("rules", []))
    steps = _workflow(entry)
    return _catalogue().Demarche(
        code=code,
        title=title,
        area=area,
        description=description,
        prefix=prefix,
        role=role,
        expected_days=expected_days,
        account_required=_boolean(entry, "account_required"),
        log_views=_boolean(entry, "log_views"),
        fields=fields,
        rules=rules,
        **steps,
    )


def _workflow(entry: dict) -> dict:
    """The shared workflow (``"workflow": {"delivered": "…"}``) or one of the démarche's own."""
    own = [key for key in (*OWN_WORKFLOW, "reason_required") if key in entry]
    if "workflow" in entry:
        if own:
            raise DemarcheFileError(f'{own[0]}: give either "workflow" or {OWN_WORKFLOW}')
        shared = entry["workflow"]
        if not isinstance(shared, dict) or set(shared) != {"delivered"}:
            raise DemarcheFileError('workflow: expected {"delivered": "<label of délivrée>"}')
        return _catalogue().workflow(_text(shared, "delivered", 100, "workflow."))
    missing = [key for key in OWN_WORKFLOW if key not in entry]
    if missing:
        raise DemarcheFileError(
            f'{missing[0]}: missing (or give "workflow": {{"delivered": "…"}} for the shared '
            "workflow)"
        )
    statuses = entry["statuses"]
    if not isinstance(statuses, dict) or not statuses:
        raise DemarcheFileError("statuses: expected an object of status code to French label")
    for status, text in statuses.items():
        if not STATUS.fullmatch(status) or not isinstance(text, str) or not text.strip():
            raise DemarcheFileError(f"statuses.{status}: a code and a French label expected")
    initial = entry["initial_status"]
    if initial not in statuses:
        raise DemarcheFileError(f"initial_status: {initial!r} is not one of the statuses")
    transitions = entry["transitions"]
    if not isinstance(transitions, dict) or set(transitions) != set(statuses):
        raise DemarcheFileError("transitions: expected one list of next statuses per status")
    for status, targets in transitions.items():
        _statuses_in(targets, statuses, f"transitions.{status}")
    return {
        "statuses": dict(statuses),
        "initial_status": initial,
        "transitions": {s: frozenset(t) for s, t in transitions.items()},
        "notified_statuses": _statuses_in(entry["notified_statuses"], statuses, "notified_statuses"),
        "reason_required": _statuses_in(entry.get("reason_required", []), statuses, "reason_required"),
    }  # fmt: skip


def _statuses_in(value: Any, statuses: dict, where: str) -> frozenset[str]:
    if not isinstance(value, list) or any(item not in statuses for item in value):
        raise DemarcheFileError(f"{where}: expected a list of statuses among {list(statuses)}")
    return frozenset(value)


def _fields(value: Any) -> tuple[Field, ...]:
    if not isinstance(value, list) or not value:
        raise DemarcheFileError("fields: expected a non-empty list")
    found: list[Field] = []
    for index, entry in enumerate(value, start=1):
        where = f"fields[{index}]."
        if not isinstance(entry, dict):
            raise DemarcheFileError(f"fields[{index}]: must be an object")
        if isinstance(entry.get("name"), str):
            where = f"fields[{index}] ({entry['name']})."
        _known_keys(entry, FIELD_KEYS, where)
        field = _field(entry, where)
        if any(other.name == field.name for other in found):
            raise DemarcheFileError(f"{where}name: {field.name!r} appears twice")
        found.append(field)
    email = next((f for f in found if f.name == "email"), None)
    if email is None or email.kind != "email" or not email.required:
        raise DemarcheFileError(
            'fields: one field must be {"name": "email", "kind": "email"} and required: the '
            "requester's address, for the tracking link and the e-mails"
        )
    return tuple(found)


def _field(entry: dict, where: str) -> Field:
    name = _matching(entry, "name", FIELD_NAME, "lower-case letters, digits and _", where)
    label = _text(entry, "label", 200, where)
    kind = entry.get("kind", "text")
    if kind not in KINDS:
        raise DemarcheFileError(f"{where}kind: {kind!r} is not one of {', '.join(KINDS)}")
    choices = entry.get("choices", {})
    if kind == "choice":
        if (
            not isinstance(choices, dict)
            or not choices
            or not all(
                isinstance(k, str) and k and isinstance(v, str) and v.strip()
                for k, v in choices.items()
            )
        ):
            raise DemarcheFileError(f"{where}choices: expected an object of code to French label")
    elif choices:
        raise DemarcheFileError(f"{where}choices: only a field of kind 'choice' has choices")
    low, high = entry.get("low", 0), entry.get("high", 0)
    if kind == "number":
        low = _integer(entry, "low", -(10**9), 10**9, where)
        high = _integer(entry, "high", low, 10**9, where)
    elif "low" in entry or "high" in entry:
        raise DemarcheFileError(f"{where}low: only a field of kind 'number' has bounds")
    hint = entry.get("hint", "")
    if not isinstance(hint, str):
        raise DemarcheFileError(f"{where}hint: expected a text")
    return _catalogue().Field(
        name=name,
        label=label,
        kind=kind,
        required=_boolean(entry, "required", True, where),
        max_length=_integer(entry, "max_length", 1, 5000, where) if "max_length" in entry else 200,
        choices=dict(choices),
        hint=hint,
        low=low,
        high=high,
    )


RULE_NAMES = ("filiation_eligibility", "move_notice", "resident_zone", "validity_year")
"""The names of ``contracts.demarche_rules.RULES`` (a test keeps them equal): that module
imports the catalogue, which reads the file while it is itself being imported."""


def _rules(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or any(name not in RULE_NAMES for name in value):
        raise DemarcheFileError(f"rules: expected a list among {', '.join(RULE_NAMES)}")
    return tuple(value)


def _known_keys(entry: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise DemarcheFileError(
            f"{where}{unknown[0]}: unknown key (known: {', '.join(sorted(known))})"
        )


def _text(entry: dict, key: str, longest: int, where: str = "") -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DemarcheFileError(f"{where}{key}: expected a non-empty text")
    if len(value) > longest:
        raise DemarcheFileError(f"{where}{key}: longer than {longest} characters")
    return value


def _matching(entry: dict, key: str, pattern: re.Pattern, expected: str, where: str = "") -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise DemarcheFileError(f"{where}{key}: {value!r} is not valid ({expected})")
    return value


def _integer(entry: dict, key: str, low: int, high: int, where: str = "") -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DemarcheFileError(f"{where}{key}: expected a whole number from {low} to {high}")
    return value


def _boolean(entry: dict, key: str, default: bool = False, where: str = "") -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise DemarcheFileError(f"{where}{key}: expected true or false")
    return value
