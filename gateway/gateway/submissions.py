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
from contracts.requests import MAX_PHOTOS, TOO_MANY_PHOTOS, SubmitReport
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
    """Form fields (strings, blank meaning absent) and the ``photo`` files (up to
    ``MAX_PHOTOS``, one input that takes several), validated."""
    raw: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = (form.get(name) or "").strip()
        if name in COORDINATES:
            value = value.replace(",", ".")
        raw[name] = value or None
    chosen = [storage for storage in files.getlist("photo") if storage.filename]
    raw["photo"], raw["photos"], photo_errors = None, [], []
    if len(chosen) > MAX_PHOTOS:
        photo_errors.append(TOO_MANY_PHOTOS)
    else:
        for storage in chosen:
            upload, problems = photos.from_upload(storage)
            photo_errors += [problem for problem in problems if problem not in photo_errors]
            raw["photos"] += [upload] if upload else []
    return validate(raw, {"photo": photo_errors}, form_field="photo")


def from_json(body: Any) -> dict[str, Any]:
    """A JSON body with the photos as ``{"filename", "data"}`` (base64): ``photos``, a list,
    and ``photo``, one, as the API first took it; validated."""
    if not isinstance(body, dict):
        raise Invalid(FORM_MESSAGE, {"_schema": [NOT_AN_OBJECT]})
    raw = dict(body)
    raw["photo"], single_errors = photos.from_json(body.get("photo"))
    listed, list_errors = body.get("photos"), []
    if isinstance(listed, list) and len(listed) <= MAX_PHOTOS:
        checked = [photos.from_json(item) for item in listed]
        raw["photos"] = [upload for upload, _ in checked]
        list_errors = [problem for _, problems in checked for problem in problems]
    return validate(raw, {"photo": single_errors, "photos": list_errors})


def validate(
    raw: dict[str, Any], photo_errors: dict[str, list[str]], form_field: str | None = None
) -> dict[str, Any]:
    """Load ``raw`` with the contract; report schema and photo errors together. On a form,
    the schema's messages about ``photos`` show under its one file input ``form_field``."""
    errors: dict[str, list[str]] = {}
    payload: dict[str, Any] = {}
    try:
        payload = load_or_invalid(SubmitReport(), raw, FORM_MESSAGE)
    except Invalid as exc:
        errors.update(exc.fields)
    if form_field and "photos" in errors:
        photo_errors = {form_field: [*photo_errors.get(form_field, []), *errors.pop("photos")]}
    for name, messages in photo_errors.items():
        if messages:
            errors[name] = messages
    if errors:
        raise Invalid(FORM_MESSAGE, errors)
    payload["client_ip"] = sessions.client_ip()
    return payload
