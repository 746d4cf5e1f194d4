"""Files sent as base64 inside an RPC payload, decoded with their size capped.

The encoded length is checked before decoding, so an oversized upload is refused without
allocating its bytes; a ``data:`` URL prefix and whitespace are tolerated::

    try:
        raw = uploads.decode_base64(upload["data"], max_bytes=5 * 1024 * 1024)
    except uploads.TooLarge:
        raise Invalid(...)
    except uploads.NotBase64:
        raise Invalid(...)
"""

from __future__ import annotations

import base64
import binascii


class TooLarge(ValueError):
    """More than ``max_bytes`` once decoded."""


class NotBase64(ValueError):
    """Not valid base64."""


def decode_base64(encoded: str, max_bytes: int) -> bytes:
    """The bytes of ``encoded``; ``TooLarge`` or ``NotBase64`` otherwise."""
    if encoded.startswith("data:") and "," in encoded:
        encoded = encoded.split(",", 1)[1]
    if len(encoded) > (max_bytes // 3 + 1) * 4 + 64:
        raise TooLarge(max_bytes)
    try:
        raw = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise NotBase64() from None
    if len(raw) > max_bytes:
        raise TooLarge(max_bytes)
    return raw
