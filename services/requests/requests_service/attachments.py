"""Files joined to a démarche request (a proof of address), made safe to store.

A file is accepted only if its decoded bytes fit in ``ATTACHMENT_MAX_BYTES`` and its content,
not its name, says it is a PDF (``%PDF-`` header, kept as sent and only ever served to agents
as a download) or a JPEG, PNG or WebP image, which is re-encoded by :mod:`photos` into a JPEG
with no metadata (EXIF, GPS), with the same bounds on memory as a report's photo.
"""

from __future__ import annotations

from dataclasses import dataclass

from chassis import uploads
from contracts.demarche_requests import ATTACHMENT_MAX_BYTES, INVALID_FORM
from contracts.demarches import Demarche
from contracts.errors import Invalid
from requests_service import photos

TOO_BIG = f"Le fichier dépasse {ATTACHMENT_MAX_BYTES // (1024 * 1024)} Mo."
NOT_ACCEPTED = "Le fichier doit être un PDF ou une image JPEG, PNG ou WebP."
BAD_ENCODING = "Le fichier n'a pas pu être lu : encodage base64 invalide."
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class CleanFile:
    field: str
    filename: str
    content_type: str
    data: bytes


def refuse(field: str, message: str) -> Invalid:
    return Invalid(INVALID_FORM, {field: [message]})


def decode(field: str, encoded: str) -> bytes:
    """The bytes of a base64 upload, size-capped before and after decoding."""
    try:
        return uploads.decode_base64(encoded, ATTACHMENT_MAX_BYTES)
    except uploads.TooLarge:
        raise refuse(field, TOO_BIG) from None
    except uploads.NotBase64:
        raise refuse(field, BAD_ENCODING) from None


def stem_of(filename: str, default: str) -> str:
    return (filename or default).rsplit(".", 1)[0][:200] or default


def safe_document(raw: bytes, stem: str) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a PDF kept as sent or an image re-encoded.

    Raises the photo code's ``Invalid`` (on ``photos.FIELD``) for anything else.
    """
    if raw.startswith(PDF_MAGIC):
        return f"{stem}.pdf", "application/pdf", raw
    data, _, _ = photos.DECODING.run(photos.clean, raw)
    return f"{stem}.jpg", "image/jpeg", data


def clean(field: str, upload: dict) -> CleanFile:
    """The safe version of one upload (``contracts.requests.PhotoUpload``)."""
    raw = decode(field, upload["data"])
    try:
        filename, content_type, data = safe_document(
            raw, stem_of(upload.get("filename", ""), field)
        )
    except Invalid as exc:
        messages = exc.fields.get(photos.FIELD, [])
        raise Invalid(
            INVALID_FORM,
            {field: [NOT_ACCEPTED if m == photos.NOT_AN_IMAGE else m for m in messages]},
        ) from None
    return CleanFile(field, filename, content_type, data)


def prepare(demarche: Demarche, uploads: dict) -> list[CleanFile]:
    """The files of the definition's file fields that were sent; others are ignored."""
    names = [f.name for f in demarche.fields if f.kind == "file" and f.name in uploads]
    return [clean(name, uploads[name]) for name in names]
