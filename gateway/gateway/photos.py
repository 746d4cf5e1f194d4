"""Photos in and out of the gateway.

In: a file from a form or a base64 string from the API, checked for size here so a 10 Mo+
photo never travels over the broker, then sent as ``{"filename", "data"}`` (base64), the
shape of ``contracts.requests.PhotoUpload``. The service recognises and re-encodes the image.
Out: the service's ``contracts.requests.Photo`` (base64) served as an image.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from typing import Any

from flask import Response
from werkzeug.datastructures import FileStorage

from contracts.errors import NotFound
from contracts.requests import PHOTO_MAX_BYTES

TOO_LARGE = "La photo dépasse 10 Mo."
EMPTY = "Le fichier de la photo est vide."
NOT_BASE64 = "Le contenu de la photo doit être encodé en base64."
NOT_AN_OBJECT = "La photo doit être un objet avec « filename » et « data » (base64)."
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")

Photo = dict[str, str]


def from_upload(
    storage: FileStorage | None,
    max_bytes: int = PHOTO_MAX_BYTES,
    too_large: str = TOO_LARGE,
    empty: str = EMPTY,
    default_name: str = "photo",
) -> tuple[Photo | None, list[str]]:
    """A form's file field as a photo payload (or any file of at most ``max_bytes``, with its
    own messages), or the errors that stop it being sent."""
    if storage is None or not storage.filename:
        return None, []
    content = storage.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        return None, [too_large]
    if not content:
        return None, [empty]
    filename = posixpath.basename(storage.filename.replace("\\", "/"))[-255:] or default_name
    return {"filename": filename, "data": base64.b64encode(content).decode("ascii")}, []


def from_json(value: Any) -> tuple[Any, list[str]]:
    """An API ``photo`` member checked for base64 and size; other members left to the schema."""
    if value is None:
        return None, []
    if not isinstance(value, dict):
        return None, [NOT_AN_OBJECT]
    data = value.get("data")
    if not isinstance(data, str):
        return value, []
    compact = "".join(data.split())
    if len(compact) // 4 * 3 > PHOTO_MAX_BYTES + 3:
        return None, [TOO_LARGE]
    try:
        content = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None, [NOT_BASE64]
    if len(content) > PHOTO_MAX_BYTES:
        return None, [TOO_LARGE]
    if not content:
        return None, [EMPTY]
    return {**value, "data": compact}, []


def response(photo: Photo) -> Response:
    """The service's photo as an image the browser may show but never execute."""
    try:
        content = base64.b64decode(photo["data"], validate=True)
    except (KeyError, TypeError, binascii.Error, ValueError):
        raise NotFound("Photo introuvable.") from None
    mimetype = photo.get("content_type")
    if mimetype not in IMAGE_TYPES:
        mimetype = "image/jpeg"
    result = Response(content, mimetype=mimetype)
    result.headers["Cache-Control"] = "private, max-age=300"
    result.headers["Content-Disposition"] = "inline"
    return result
