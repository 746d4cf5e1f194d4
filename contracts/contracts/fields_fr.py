"""marshmallow fields with French messages, so a citizen reads every error in French."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate

REQUIRED = "Ce champ est obligatoire."
MESSAGES = {"required": REQUIRED, "null": REQUIRED, "invalid": "Valeur invalide."}


def _messages(**extra: str) -> dict[str, str]:
    return {**MESSAGES, **extra}


def text(
    *, required: bool = True, min_length: int = 1, max_length: int, **kw: Any
) -> fields.String:
    """A trimmed string; blank counts as missing when required."""
    checks = [validate.Length(max=max_length, error=f"{max_length} caractères au plus.")]
    if required:
        checks.insert(
            0,
            validate.Length(
                min=min_length,
                error=REQUIRED if min_length == 1 else f"{min_length} caractères au moins.",
            ),
        )
    return TrimmedString(
        required=required, validate=checks, error_messages=_messages(invalid="Texte attendu."), **kw
    )


def choice(values: Any, *, required: bool = True, **kw: Any) -> fields.String:
    """One of ``values``; a dict is kept, not copied, so a choice among démarches follows the
    catalogue (``contracts.demarche_file`` adds to it)."""
    return fields.String(
        required=required,
        validate=validate.OneOf(
            values if isinstance(values, dict) else list(values), error="Choix inconnu."
        ),
        error_messages=_messages(),
        **kw,
    )


def email(*, required: bool = True, **kw: Any) -> fields.Email:
    return fields.Email(
        required=required,
        validate=validate.Length(max=254, error="Adresse e-mail trop longue."),
        error_messages=_messages(
            invalid="Adresse e-mail invalide (exemple : prenom.nom@exemple.fr)."
        ),
        **kw,
    )


def number(*, low: float, high: float, **kw: Any) -> fields.Float:
    return fields.Float(
        validate=validate.Range(min=low, max=high, error=f"Nombre entre {low} et {high} attendu."),
        error_messages=_messages(invalid="Nombre attendu."),
        allow_nan=False,
        **kw,
    )


class TrimmedString(fields.String):
    """Strips surrounding spaces before validating."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


SIV_PLATE = re.compile(r"([A-HJ-NP-TV-Z]{2})-?(\d{3})-?([A-HJ-NP-TV-Z]{2})")
FNI_PLATE = re.compile(r"(\d{1,4})([A-Z]{1,3})(\d{2}|2A|2B|97\d)")
BAD_PLATE = "Immatriculation attendue comme AB-123-CD (ou 123 ABC 69 pour une ancienne plaque)."


class RegistrationNumber(fields.String):
    """A French registration number, written ``AB-123-CD`` (SIV, since 2009) or ``123 ABC 69``
    (FNI, still on older cars); spaces, dashes and case as the citizen typed them."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        typed = super()._deserialize(value, attr, data, **kwargs).upper()
        compact = re.sub(r"[\s.-]", "", typed)
        if not compact:
            raise ValidationError(REQUIRED)
        siv = SIV_PLATE.fullmatch(compact)
        if siv:
            return "-".join(siv.groups())
        fni = FNI_PLATE.fullmatch(compact)
        if fni:
            return " ".join(fni.groups())
        raise ValidationError(BAD_PLATE)
