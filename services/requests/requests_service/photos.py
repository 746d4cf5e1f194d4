"""Photos sent by citizens, made safe to store and show.

A photo is accepted only if its decoded bytes fit in ``PHOTO_MAX_BYTES`` and Pillow recognises
them as JPEG, PNG or WebP (the file name is not trusted). It is then turned upright, shrunk to
at most ``MAX_SIDE`` pixels on its longest side and re-encoded as a JPEG with no metadata, so
nothing the camera wrote (EXIF, GPS position, thumbnails) leaves the citizen's device.

Memory is bounded whatever the file claims: a PNG of a few hundred kilobytes may declare
40 million pixels, 160 MiB once decoded. The size written in the header is checked before any
pixel is decoded: more than ``MAX_PIXELS`` is refused, and so is an image that would still
decode to more than ``MAX_DECODED_PIXELS``. A JPEG is decoded directly at a reduced scale
(``draft``: 1/2, 1/4 or 1/8, still above ``MAX_SIDE``), other formats are shrunk in place right
after decoding, before any copy (turning, flattening) is made. Decoding runs off eventlet's
hub, at most ``PHOTO_DECODE_CONCURRENCY`` photos at a time in the process (1 by default), and
the memory a decoding freed goes back to the system at once: twenty simultaneous 16-megapixel
PNGs take the service from 90 to 243 MiB (``bench/memory.py``).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from chassis import uploads
from chassis.offload import BoundedWork
from contracts.errors import Invalid
from contracts.requests import PHOTO_MAX_BYTES

FIELD = "photo"
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 2560
MAX_PIXELS = 40_000_000
"""Refuse images whose declared size is more than any camera photo needs (bombs)."""
MAX_DECODED_PIXELS = 16_000_000
"""Pixels actually decoded (after ``draft`` for a JPEG): 64 MiB at 4 bytes a pixel."""
DECODING = BoundedWork("PHOTO_DECODE_CONCURRENCY", default=1, release_memory=True)
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA")
JPEG_QUALITY = 85

NOT_AN_IMAGE = "Le fichier n'est pas une image JPEG, PNG ou WebP."
TOO_BIG = f"La photo dépasse {PHOTO_MAX_BYTES // (1024 * 1024)} Mo."
BAD_ENCODING = "La photo n'a pas pu être lue : encodage base64 invalide."
TOO_MANY_PIXELS = "L'image est trop grande (plus de 40 millions de pixels)."
TOO_MANY_PIXELS_TO_DECODE = (
    "L'image est trop grande (plus de 16 millions de pixels) : réduisez-la ou envoyez-la en JPEG."
)
UNREADABLE = "L'image est endommagée et n'a pas pu être lue."


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo, ready to store."""

    filename: str
    content_type: str
    data: bytes
    width: int
    height: int


def refuse(message: str) -> Invalid:
    return Invalid("La photo ne peut pas être acceptée.", {FIELD: [message]})


def decode(encoded: str) -> bytes:
    """The bytes of a base64 upload (a ``data:`` URL prefix is allowed), size-capped."""
    try:
        raw = uploads.decode_base64(encoded, PHOTO_MAX_BYTES)
    except uploads.TooLarge:
        raise refuse(TOO_BIG) from None
    except uploads.NotBase64:
        raise refuse(BAD_ENCODING) from None
    if not raw:
        raise refuse(NOT_AN_IMAGE)
    return raw


def open_image(raw: bytes) -> Image.Image:
    """Pillow's reading of the header of ``raw``, restricted to the accepted formats and sizes.

    Nothing is decoded yet; a JPEG is told to decode at the smallest scale that keeps
    ``MAX_SIDE`` pixels on its longest side.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise refuse(NOT_AN_IMAGE) from None
    if image.width * image.height > MAX_PIXELS:
        raise refuse(TOO_MANY_PIXELS)
    if image.format == "JPEG":
        image.draft(None, _target_size(image.size))
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise refuse(TOO_MANY_PIXELS_TO_DECODE)
    return image


def _target_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled so that its longest side is ``MAX_SIDE`` (never enlarged)."""
    ratio = min(1.0, MAX_SIDE / max(size))
    return max(1, round(size[0] * ratio)), max(1, round(size[1] * ratio))


def decode_reduced(image: Image.Image) -> Image.Image:
    """The decoded pixels, shrunk in place to at most ``MAX_SIDE`` px before any copy."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise refuse(UNREADABLE) from None
    if image.mode not in REDUCIBLE_MODES:  # palette, 1-bit, 16-bit: resize real colours
        image = flatten(image)
    # Reduces by an integer factor first (reducing_gap), then resamples what is left.
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return image


def flatten(image: Image.Image) -> Image.Image:
    """An RGB copy; transparent areas become white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def reencode(image: Image.Image) -> tuple[bytes, int, int]:
    """Upright, at most ``MAX_SIDE`` px, JPEG without any metadata."""
    upright = ImageOps.exif_transpose(decode_reduced(image))
    clean = flatten(upright)
    clean.info.clear()
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=b"")
    return out.getvalue(), clean.width, clean.height


def clean(raw: bytes) -> tuple[bytes, int, int]:
    """The re-encoded JPEG of ``raw`` and its size; what runs off the hub, bounded."""
    return reencode(open_image(raw))


def prepare(upload: dict | None) -> CleanPhoto | None:
    """The safe version of an uploaded photo (``contracts.requests.PhotoUpload``), or None."""
    if upload is None:
        return None
    raw = decode(upload["data"])
    data, width, height = DECODING.run(clean, raw)
    stem = (upload.get("filename") or "photo").rsplit(".", 1)[0] or "photo"
    return CleanPhoto(f"{stem[:200]}.jpg", "image/jpeg", data, width, height)
