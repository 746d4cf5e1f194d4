"""Quotient familial certificates sent by families, made safe to store and show an agent.

The file name is not trusted: the bytes decide. A PDF (``%PDF-`` header and an ``%%EOF``
trailer) is kept as it is, to be downloaded, never shown inline. An image (JPEG, PNG or WebP,
recognised by Pillow) is checked for its declared size before any pixel is decoded, decoded off
eventlet's hub one at a time in the process, shrunk to at most ``MAX_SIDE`` pixels and
re-encoded as a JPEG without metadata (no EXIF, no GPS position). Anything else is refused, and
so is anything above ``CERTIFICATE_MAX_BYTES`` (5 Mo) once base64-decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from chassis import uploads
from chassis.offload import BoundedWork
from contracts.errors import Invalid
from contracts.family_dossier import CERTIFICATE_MAX_BYTES

FIELD = "quotient.certificate"
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 2480
"""An A4 page scanned at 300 dpi: every figure of an attestation stays legible."""
MAX_PIXELS = 40_000_000
DECODING = BoundedWork("PHOTO_DECODE_CONCURRENCY", default=1, release_memory=True)

TOO_BIG = f"Le justificatif dépasse {CERTIFICATE_MAX_BYTES // (1024 * 1024)} Mo."
NOT_ACCEPTED = "Le justificatif doit être un PDF ou une image (JPEG, PNG, WebP)."
UNREADABLE = "Le justificatif est endommagé et n'a pas pu être lu."
MISSING = "Joignez l'attestation de quotient familial (CAF ou avis d'imposition)."


@dataclass(frozen=True)
class CleanCertificate:
    filename: str
    content_type: str
    data: bytes


def refuse(message: str) -> Invalid:
    return Invalid("Le justificatif ne peut pas être accepté.", {FIELD: [message]})


def decode(encoded: str) -> bytes:
    """The bytes of a base64 upload (a ``data:`` URL prefix is allowed), size-capped."""
    try:
        raw = uploads.decode_base64(encoded, CERTIFICATE_MAX_BYTES)
    except uploads.TooLarge:
        raise refuse(TOO_BIG) from None
    except uploads.NotBase64:
        raise refuse(NOT_ACCEPTED) from None
    if not raw:
        raise refuse(NOT_ACCEPTED)
    return raw


def is_pdf(raw: bytes) -> bool:
    return raw.startswith(b"%PDF-") and b"%%EOF" in raw[-1024:]


def reencoded_image(raw: bytes) -> bytes:
    """``raw`` as an upright JPEG of at most ``MAX_SIDE`` pixels, without metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=IMAGE_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise refuse(UNREADABLE)
            if image.format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(UNREADABLE) from None
    except (UnidentifiedImageError, SyntaxError):
        raise refuse(NOT_ACCEPTED) from None
    except (OSError, ValueError):
        raise refuse(UNREADABLE) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    clean = ImageOps.exif_transpose(image).convert("RGB")
    clean.info.clear()
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def prepare_field(upload: dict, field: str) -> CleanCertificate:
    """``prepare`` for another document than the quotient's (a birth or medical certificate):
    the same checks, refusals named on ``field``."""
    try:
        return prepare(upload)
    except Invalid as refused:
        messages = [m for named in refused.fields.values() for m in named]
        raise Invalid(refused.message, {field: messages}) from None


def prepare(upload: dict | None) -> CleanCertificate:
    """The safe version of an uploaded certificate (``CertificateUpload``); Invalid if none."""
    if upload is None:
        raise Invalid(MISSING, {FIELD: [MISSING]})
    raw = decode(upload["data"])
    stem = (upload.get("filename") or "justificatif").rsplit(".", 1)[0][:200] or "justificatif"
    if is_pdf(raw):
        return CleanCertificate(f"{stem}.pdf", "application/pdf", raw)
    return CleanCertificate(f"{stem}.jpg", "image/jpeg", DECODING.run(reencoded_image, raw))
