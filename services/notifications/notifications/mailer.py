"""SMTP access for the service: ``self.mailer.send(message)``.

Each e-mail is multipart (plain text and HTML, UTF-8) and carries a ``Message-ID`` derived
from the outgoing message's id, so a copy sent again after a crash (sent, but not yet marked
as sent) can be recognised as the same message by the server and the mail reader.

Settings, read and checked once at start (:mod:`notifications.smtp_settings`): the relay,
the sender, STARTTLS or implicit TLS, and a login; production refuses to start without the
relay and the sender.

An e-mail without attachments is written straight to bytes by :func:`email_bytes` (headers,
then both bodies in quoted-printable); building it with the ``email`` package's
``EmailMessage`` and flattening it with the SMTP policy cost about 1.2 ms of CPU per e-mail,
the largest part of the delivery after the SMTP dialogue (bench/README.md). An e-mail with
attachments (calendar files) is still built by :func:`build_email`.

An SMTP session (connection, TLS handshake, login) is kept for the next message when it was
used less than ``REUSE_SECONDS`` ago: a burst of confirmations goes through one session
instead of one each, which cost most of the service's CPU per e-mail (bench/README.md). A kept
session the server closed meanwhile is replaced, and the message sent on a new one.
"""

from __future__ import annotations

import base64
import binascii
import functools
import smtplib
import time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from nameko.extensions import DependencyProvider

from notifications.smtp_settings import SmtpSettings, read_settings

TIMEOUT_SECONDS = 15
REUSE_SECONDS = 30.0
UNREACHABLE_PAUSE_SECONDS = 30.0
"""After the relay could not be reached, handlers leave their e-mails to the delivery loop
for this long (:meth:`SmtpMailer.reachable_lately`) instead of each waiting for a timeout."""
"""How long an unused session is kept; servers wait at least 5 minutes (RFC 5321, 4.5.3.2)."""

# Python 3.11 loses a space when it folds a long encoded subject ("reçu — éclairage" arrives
# as "reçu —éclairage"); headers may run to 998 characters, so do not fold them.
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


class DeliveryFailed(Exception):
    """The SMTP server could not be reached or refused the message; try again later."""


def message_id(message: Any, sender: str) -> str:
    """``<notification-<id>@<sender's domain>>``: the same for every copy of one message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<notification-{message.id}@{domain}>"


def build_email(message: Any, sender: str) -> EmailMessage:
    """The MIME e-mail of an outgoing message row."""
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id(message, sender)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text_body, charset="utf-8")
    email.add_alternative(message.html_body, subtype="html", charset="utf-8")
    for attachment in getattr(message, "attachments", None) or ():
        maintype, _, subtype = attachment["content_type"].partition("/")
        data = base64.b64decode(attachment["data"])
        email.add_attachment(data, maintype, subtype, filename=attachment["filename"])
    return email


ENCODED_WORD_BYTES = 42
"""UTF-8 bytes per RFC 2047 encoded word: 56 base64 characters, 68 with the markers, so a
line of ``Subject:`` stays within 78 characters."""


def email_bytes(message: Any, sender: str) -> bytes:
    """The e-mail of an outgoing message row, as sent (CRLF line ends).

    The same e-mail as :func:`build_email` (multipart/alternative, UTF-8 text then HTML,
    the same headers), written directly. Messages with attachments, or with an address
    that is not ASCII, go through :func:`build_email`.
    """
    if getattr(message, "attachments", None) or not message.recipient.isascii():
        return build_email(message, sender).as_bytes()
    if "\r" in message.recipient or "\n" in message.recipient:
        raise ValueError(f"line break in the recipient address {message.recipient!r}")
    boundary = f"=_portail-{message.id}"  # "=_" never occurs in quoted-printable text
    head = (
        f"From: {_header_address(sender)}\r\n"
        f"To: {message.recipient}\r\n"
        f"Subject: {_header_text(message.subject)}\r\n"
        f"Date: {format_datetime(message.created_at)}\r\n"
        f"Message-ID: {message_id(message, sender)}\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
        "\r\n"
    )
    delimiter = f"--{boundary}\r\n".encode("ascii")
    return b"".join(
        (
            head.encode("ascii"),
            delimiter,
            _text_part("plain", message.text_body),
            delimiter,
            _text_part("html", message.html_body),
            f"--{boundary}--\r\n".encode("ascii"),
        )
    )


@functools.lru_cache(maxsize=8)
def _header_address(address: str) -> str:
    """``Name <address>`` with the name encoded when it is not ASCII (read once per sender)."""
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset="utf-8")


def _header_text(text: str, name: str = "Subject") -> str:
    """A header value: ASCII words as they are, the others as RFC 2047 encoded words, on
    lines of at most 78 characters (as the ``email`` package writes them)."""
    words = text.split(" ")
    if any(not word or not word.isprintable() for word in words):
        atoms = _encoded_words(text)  # runs of spaces, tabs, line breaks: all encoded
    else:
        atoms, run = [], []
        for word in words:
            if word.isascii() and "=?" not in word:
                if run:
                    atoms.extend(_encoded_words(" ".join(run)))
                    run = []
                atoms.append(word)
            else:
                run.append(word)
        if run:
            atoms.extend(_encoded_words(" ".join(run)))
    # Between two atoms one space: kept when a plain word is next to it, ignored between two
    # encoded words, whose text holds its own spaces (RFC 2047, 6.2). A line break before that
    # space (folding) reads the same.
    lines, width = [atoms[0]], len(name) + 2 + len(atoms[0])
    for atom in atoms[1:]:
        if width + 1 + len(atom) > 78:
            lines.append("\r\n " + atom)
            width = 1 + len(atom)
        else:
            lines.append(" " + atom)
            width += 1 + len(atom)
    return "".join(lines)


def _encoded_words(text: str) -> list[str]:
    """``text`` as encoded words of at most ``ENCODED_WORD_BYTES`` UTF-8 bytes each."""
    chunks, chunk, size = [], [], 0
    for char in text:
        length = len(char.encode("utf-8"))
        if size + length > ENCODED_WORD_BYTES:
            chunks.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += length
    chunks.append("".join(chunk))
    return [f"=?utf-8?b?{base64.b64encode(c.encode('utf-8')).decode('ascii')}?=" for c in chunks]


def _text_part(subtype: str, body: str) -> bytes:
    """One MIME part: UTF-8 text in quoted-printable, CRLF line ends, ending with a CRLF."""
    encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True)
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    header = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii")
    return header + encoded + b"\r\n"


class SmtpMailer:
    """What a worker gets: ``send`` one message, or raise :class:`DeliveryFailed`.

    Sessions ready for another message wait in ``_idle`` (the delivery loop and the timer may
    send at the same time, each on its own session).
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.sender = settings.sender
        self._idle: list[tuple[smtplib.SMTP, float]] = []
        self._unreachable_at: float | None = None

    def reachable_lately(self) -> bool:
        """False for ``UNREACHABLE_PAUSE_SECONDS`` after the relay could not be reached (a
        refused or cut connection, a timeout), until a message goes through again."""
        since = self._unreachable_at
        return since is None or time.monotonic() - since > UNREACHABLE_PAUSE_SECONDS

    def send(self, message: Any) -> None:
        email = email_bytes(message, self.sender)
        envelope = (parseaddr(self.sender)[1], [message.recipient])
        smtp = self._reusable()
        try:
            if smtp is not None:
                try:
                    smtp.sendmail(*envelope, email)
                except smtplib.SMTPServerDisconnected:  # closed by the server while kept
                    _close(smtp)
                    smtp = None
            if smtp is None:
                smtp = self._open()
                smtp.sendmail(*envelope, email)
        except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
            if smtp is not None:
                _close(smtp)
            if _relay_unreachable(exc):
                self._unreachable_at = time.monotonic()
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        self._unreachable_at = None
        self._idle.append((smtp, time.monotonic()))

    def close(self) -> None:
        """Close the kept sessions (the service stops)."""
        while self._idle:
            _close(self._idle.pop()[0])

    def _reusable(self) -> smtplib.SMTP | None:
        """The most recently used kept session, if it is recent enough; older ones close."""
        while self._idle:
            smtp, since = self._idle.pop()
            if time.monotonic() - since < REUSE_SECONDS:
                return smtp
            _close(smtp)
        return None

    def _open(self) -> smtplib.SMTP:
        smtp = self._connect()
        try:
            if self.settings.starttls:
                smtp.starttls(context=self.settings.tls_context())
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password or "")
        except BaseException:
            _close(smtp)
            raise
        return smtp

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.host, self.settings.port
        if self.settings.implicit_tls:
            context = self.settings.tls_context()
            return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
        return smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)


def _relay_unreachable(exc: Exception) -> bool:
    """The relay could not be reached or dropped the session (not an answer about this
    message or this login; smtplib's errors are OSErrors too)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return not isinstance(exc, smtplib.SMTPException)


def _close(smtp: smtplib.SMTP) -> None:
    """End a session politely if it still answers; a dead one is just dropped."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class Mailer(DependencyProvider):
    """The relay of ``SMTP_*``, writing as ``MAIL_FROM`` (nameko config first, then the
    environment); a missing or inconsistent setting stops the service's start."""

    def setup(self) -> None:
        self.mailer = SmtpMailer(read_settings(self.container.config.get))

    def stop(self) -> None:
        self.mailer.close()

    kill = stop

    def get_dependency(self, worker_ctx) -> SmtpMailer:
        return self.mailer
