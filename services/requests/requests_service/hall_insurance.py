"""The insurance certificate sent with a salle des fêtes request, made safe to store.

Its type is recognised from its content, never its name: a PDF (``%PDF-``) is kept as sent;
a JPEG, PNG or WebP photo of the certificate goes through :mod:`requests_service.photos`
(re-encoded as a JPEG without metadata, memory bounded). Anything else, and anything over
``MAX_BYTES``, is refused with a French message on the ``insurance`` field.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from contracts.errors import Invalid
from requests_service import photos

FIELD = "insurance"
MAX_BYTES = 5 * 1024 * 1024
NOT_ACCEPTED = "L'attestation doit être un PDF ou une photo (JPEG, PNG ou WebP)."
TOO_BIG = f"L'attestation dépasse {MAX_BYTES // (1024 * 1024)} Mo."
MISSING = "Joignez l'attestation d'assurance responsabilité civile."


@dataclass(frozen=True)
class Certificate:
    filename: str
    content_type: str
    data: bytes


def refuse(message: str) -> Invalid:
    return Invalid("L'attestation ne peut pas être acceptée.", {FIELD: [message]})


def decode(upload: dict | None) -> bytes:
    encoded = (upload or {}).get("data") or ""
    if not encoded:
        raise refuse(MISSING)
    if len(encoded) > (MAX_BYTES // 3 + 1) * 4 + 64:
        raise refuse(TOO_BIG)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise refuse(NOT_ACCEPTED) from None
    if len(raw) > MAX_BYTES:
        raise refuse(TOO_BIG)
    return raw


def prepare(upload: dict | None) -> Certificate:
    raw = decode(upload)
    stem = ((upload or {}).get("filename") or "attestation").rsplit(".", 1)[0][:200]
    stem = stem or "attestation"
    if raw.startswith(b"%PDF-"):
        return Certificate(f"{stem}.pdf", "application/pdf", raw)
    try:
        data, _, _ = photos.DECODING.run(photos.clean, raw)
    except Invalid:
        raise refuse(NOT_ACCEPTED) from None
    return Certificate(f"{stem}.jpg", "image/jpeg", data)
