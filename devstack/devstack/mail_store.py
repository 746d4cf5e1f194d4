"""Where the SMTP sink keeps mail: one ``.eml`` file per message, decoded on demand.

The SMTP side (``devstack.smtp_sink``) only adds messages; the web page and JSON API
(``devstack.mail_web``) read, decode and delete them. Files, rather than memory, let a
restarted sink keep its mail and let people open a message in their own mail reader.
"""

from __future__ import annotations

import email.utils
import os
import re
import tempfile
import threading
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

ENVELOPE_FROM = "X-Sink-Envelope-From"
ENVELOPE_TO = "X-Sink-Envelope-To"
MESSAGE_ID_RE = re.compile(r"^[0-9]{8}T[0-9]{6}[0-9]{6}Z-[0-9a-f]{12}$")
PARSED_KEPT = 5000
"""Decoded messages kept in memory: a stored file never changes, so each is decoded once.
Without it every ``GET /api/messages`` decoded the whole box, which took more than ten
seconds on a loaded machine once a test session had sent a few thousand e-mails."""


class Maildir:
    """A folder of ``<id>.eml`` files; ids sort in the order messages were received."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._last_id = ""
        self._parsed: OrderedDict[str, dict] = OrderedDict()

    def _new_id(self) -> str:
        with self._lock:
            while True:
                now = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                message_id = f"{now}-{uuid.uuid4().hex[:12]}"
                if message_id > self._last_id:
                    self._last_id = message_id
                    return message_id

    def add(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        """Store one message (envelope kept as two extra headers); return its id."""
        message_id = self._new_id()
        header = (
            f"{ENVELOPE_FROM}: {_header_safe(mail_from)}\r\n"
            f"{ENVELOPE_TO}: {', '.join(_header_safe(r) for r in rcpt_tos)}\r\n"
        ).encode()
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header + raw)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path / f"{message_id}.eml")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return message_id

    def ids(self) -> list[str]:
        return sorted(
            p.stem for p in self.path.glob("*.eml") if MESSAGE_ID_RE.match(p.stem) is not None
        )

    def _file(self, message_id: str) -> Path | None:
        if MESSAGE_ID_RE.match(message_id) is None:
            return None
        return self.path / f"{message_id}.eml"

    def raw(self, message_id: str) -> bytes | None:
        path = self._file(message_id)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def get(self, message_id: str) -> dict | None:
        with self._lock:
            known = self._parsed.get(message_id)
            if known is not None:
                self._parsed.move_to_end(message_id)
        if known is not None and self._file(message_id).exists():  # type: ignore[union-attr]
            return known
        raw = self.raw(message_id)
        if raw is None:
            return None
        message = parse_message(message_id, raw)
        with self._lock:
            self._parsed[message_id] = message
            while len(self._parsed) > PARSED_KEPT:
                self._parsed.popitem(last=False)
        return message

    def all(self) -> list[dict]:
        messages = []
        for message_id in self.ids():
            message = self.get(message_id)
            if message is not None:  # deleted meanwhile
                messages.append(message)
        return messages

    def delete(self, message_id: str) -> bool:
        path = self._file(message_id)
        if path is None:
            return False
        with self._lock:
            self._parsed.pop(message_id, None)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def clear(self) -> int:
        return sum(1 for message_id in self.ids() if self.delete(message_id))


def _header_safe(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", value or "")


def _addresses(header) -> list[str]:
    if header is None:
        return []
    try:
        return [a.addr_spec for a in header.addresses if a.addr_spec]
    except (AttributeError, TypeError, ValueError):
        return [a.strip() for a in str(header).split(",") if a.strip()]


def _part_content(message: EmailMessage, subtype: str) -> str | None:
    """The decoded text of the body part of that subtype, with ``\n`` line ends."""
    text = _raw_part_content(message, subtype)
    return None if text is None else text.replace("\r\n", "\n")


def _raw_part_content(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    if part.get_content_charset() is None:  # 8-bit text sent without a charset: try UTF-8
        payload = part.get_payload(decode=True) or b""
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return part.get_content()
    except (LookupError, ValueError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def parse_message(message_id: str, raw: bytes) -> dict:
    """Decode a stored message into what the JSON API returns."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    received_at = datetime.strptime(message_id.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(
        tzinfo=UTC
    )
    date = received_at
    if message["Date"] is not None:
        try:
            parsed = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            date = parsed
    envelope_to = [a.strip() for a in str(message.get(ENVELOPE_TO, "")).split(",") if a.strip()]
    return {
        "id": message_id,
        "from": str(message.get("From", "")),
        "to": envelope_to or _addresses(message.get("To")),
        "to_header": _addresses(message.get("To")),
        "cc": _addresses(message.get("Cc")),
        "envelope_from": str(message.get(ENVELOPE_FROM, "")),
        "subject": str(message.get("Subject", "")),
        "date": date.isoformat(),
        "received_at": received_at.isoformat(),
        "message_id": str(message.get("Message-ID", "")),
        "text": _part_content(message, "plain"),
        "html": _part_content(message, "html"),
        "attachments": [
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(part.get_payload(decode=True) or b""),
            }
            for part in message.iter_attachments()
        ],
    }
