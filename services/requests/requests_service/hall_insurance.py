"""The insurance certificate sent with a salle des fêtes request, made safe to store.

Its type is recognised from its content, never its name: a PDF (``%PDF-``) is kept as sent;
a JPEG, PNG or WebP photo of the certificate goes through :mod:`requests_service.photos`
(re-encoded as a JPEG without metadata, memory bounded). Anything else, and anything over
``MAX_BYTES``, is refused with a French message on the ``insurance`` field.
"""

from __future__ import annotations

from dataclasses import dataclass

from chassis import uploads
from contracts.errors import Invalid
from requests_service.attachments import safe_document, stem_of

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
    try:
        return uploads.decode_base64(encoded, MAX_BYTES)
    except uploads.TooLarge:
        raise refuse(TOO_BIG) from None
    except uploads.NotBase64:
        raise refuse(NOT_ACCEPTED) from None


def prepare(upload: dict | None) -> Certificate:
    raw = decode(upload)
    stem = stem_of((upload or {}).get("filename") or "", "attestation")
    try:
        return Certificate(*safe_document(raw, stem))
    except Invalid:
        raise refuse(NOT_ACCEPTED) from None
