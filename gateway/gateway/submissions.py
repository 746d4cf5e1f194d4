"""A citizen's report, from an HTML form or the JSON API, as a ``SubmitReport`` payload.

The gateway validates with the contracts schema before calling the service, so a form with
obvious mistakes comes back at once with the same French messages the service would give;
the service still validates again, because it trusts no caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from contracts.base import load_or_invalid
from contracts.errors import Invalid
from contracts.requests import SubmitReport
from gateway import photos, sessions

FORM_MESSAGE = "Le formulaire contient des erreurs."
NOT_AN_OBJECT = "Un objet JSON est attendu."
LABELS = {
    "category": "Catégorie",
    "address": "Adresse",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "description": "Description",
    "photo": "Photo",
    "email": "Adresse e-mail",
}
"""Form fields, in the order they appear on screen (and in the error summary)."""

TEXT_FIELDS = ("category", "address", "latitude", "longitude", "description", "email")
COORDINATES = ("latitude", "longitude")


def from_form(form: Mapping[str, str], files: MultiDict) -> dict[str, Any]:
    """Form fields (strings, blank meaning absent) and the ``photo`` file, validated."""
    raw: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = (form.get(name) or "").strip()
        if name in COORDINATES:
            value = value.replace(",", ".")
        raw[name] = value or None
    raw["photo"], photo_errors = photos.from_upload(files.get("photo"))
    return validate(raw, photo_errors)


def from_json(body: Any) -> dict[str, Any]:
    """A JSON body with the photo as ``{"filename", "data"}`` (base64), validated."""
    if not isinstance(body, dict):
        raise Invalid(FORM_MESSAGE, {"_schema": [NOT_AN_OBJECT]})
    raw = dict(body)
    raw["photo"], photo_errors = photos.from_json(body.get("photo"))
    return validate(raw, photo_errors)


def validate(raw: dict[str, Any], photo_errors: list[str]) -> dict[str, Any]:
    """Load ``raw`` with the contract; report schema and photo errors together."""
    errors: dict[str, list[str]] = {}
    payload: dict[str, Any] = {}
    try:
        payload = load_or_invalid(SubmitReport(), raw, FORM_MESSAGE)
    except Invalid as exc:
        errors.update(exc.fields)
    if photo_errors:
        errors["photo"] = photo_errors
    if errors:
        raise Invalid(FORM_MESSAGE, errors)
    payload["client_ip"] = sessions.client_ip()
    return payload
