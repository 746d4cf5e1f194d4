"""SMTP access for the service: ``self.mailer.send(message)``.

Each e-mail is multipart (plain text and HTML, UTF-8) and carries a ``Message-ID`` derived
from the outgoing message's id, so a copy sent again after a crash (sent, but not yet marked
as sent) can be recognised as the same message by the server and the mail reader.

Settings, read and checked once at start (:mod:`notifications.smtp_settings`): the relay,
the sender, STARTTLS or implicit TLS, and a login; production refuses to start without the
relay and the sender.

An SMTP session (connection, TLS handshake, login) is kept for the next message when it was
used less than ``REUSE_SECONDS`` ago: a burst of confirmations goes through one session
instead of one each, which cost most of the service's CPU per e-mail (bench/README.md). A kept
session the server closed meanwhile is replaced, and the message sent on a new one.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import smtplib
import string
import sys
import time
from email import encoders, quoprimime
from email.charset import QP, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from nameko.extensions import DependencyProvider

from notifications.smtp_settings import SmtpSettings, read_settings

TIMEOUT_SECONDS = 15
REUSE_SECONDS = 30.0
"""How long an unused session is kept; servers wait at least 5 minutes (RFC 5321, 4.5.3.2)."""
UNREACHABLE_PAUSE_SECONDS = 30.0
"""After the relay could not be reached, handlers leave their e-mails to the delivery loop
for this long (:meth:`SmtpMailer.reachable_lately`) instead of each waiting for a timeout."""


class DeliveryFailed(Exception):
    """The SMTP server could not be reached or refused the message; try again later."""


def message_id(message: Any, sender: str) -> str:
    """``<notification-<id>@<sender's domain>>``: the same for every copy of one message."""
    domain = _bare_address(sender).rpartition("@")[2] or "localhost"
    return f"<notification-{message.id}@{domain}>"


UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP  # French text stays readable in the raw message
Q_SAFE = frozenset(string.ascii_letters + string.digits + "-!*+/ ")
"""Characters an RFC 2047 "Q" encoded word keeps as they are (a space becomes ``_``)."""
ENCODED_WORD_ROOM = 75 - len("=?utf-8?q??=")


class _Folded(str):
    """A header value already encoded: encoded words, folded where the policy says."""

    words: tuple[str, ...] = ()


class FastPolicy(Compat32):
    """``compat32`` (what ``email.mime`` builds with), writing what it would write for a
    short, printable ASCII header value (all of them but a French subject) without the
    ``email.header.Header`` round trip it makes for every header of every part (half of the
    CPU of an e-mail, bench/README.md); a French subject comes encoded (``_subject``)."""

    def _fold(self, name, value, sanitize):
        if isinstance(value, _Folded):
            return f"{name}: {(self.linesep + ' ').join(value.words)}{self.linesep}"
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and "  " not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


FAST = FastPolicy()


def _subject(subject: str) -> str:
    """The subject as is when ASCII, else as "Q" encoded words of UTF-8 (ASCII words stay
    readable), each at most 75 characters, split between characters."""
    if subject.isascii():
        return subject
    words, chunk, room = [], [], ENCODED_WORD_ROOM
    for char in subject:
        size = 1 if char in Q_SAFE else 3 * len(char.encode())
        if size > room:
            words.append("".join(chunk))
            chunk, room = [], ENCODED_WORD_ROOM
        chunk.append(char)
        room -= size
    words.append("".join(chunk))
    folded = _Folded(subject)
    folded.words = tuple(quoprimime.header_encode(word.encode(), "utf-8") for word in words)
    return folded


def _boundary() -> str:
    """What ``email.generator`` draws, without its check that the boundary is in no part
    (a compiled regular expression per e-mail): no quoted-printable or base64 line can hold
    ``==`` followed by ``=``, so no part of ours can."""
    return f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="


@functools.lru_cache(maxsize=16)  # the sender, parsed for every e-mail otherwise
def _bare_address(value: str) -> str:
    """The address of ``Name <address>``."""
    return parseaddr(value)[1]


PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")
"""An address that ``formataddr(parseaddr(...))`` gives back unchanged (most recipients)."""


@functools.lru_cache(maxsize=16)  # the sender, every time
def _address(value: str) -> str:
    _one_line(value)
    if PLAIN_ADDRESS.fullmatch(value):
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def _one_line(value: str) -> str:
    """A header value never holds a line break (no header injection), as ``EmailMessage``
    refuses."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header value with a line break: {value!r}")
    return value


def build_email(message: Any, sender: str) -> Message:
    """The MIME e-mail of an outgoing message row: text and HTML alternatives, then the
    attachments. Built with the ``email.mime`` classes, four times cheaper than
    ``EmailMessage.set_content`` for the same message (the e-mail fan-out of a monthly
    invoicing run is thousands of them), and written by :class:`FastPolicy`."""
    email = MIMEMultipart("alternative", boundary=_boundary(), policy=FAST)
    email.attach(MIMEText(message.text_body, "plain", UTF8_QP, policy=FAST))
    email.attach(MIMEText(message.html_body, "html", UTF8_QP, policy=FAST))
    attachments = getattr(message, "attachments", None) or ()
    if attachments:
        body, email = email, MIMEMultipart("mixed", boundary=_boundary(), policy=FAST)
        email.attach(body)
        for attachment in attachments:
            maintype, _, subtype = attachment["content_type"].partition("/")
            part = MIMEBase(maintype, subtype, policy=FAST)
            part.set_payload(base64.b64decode(attachment["data"]))
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
            email.attach(part)
    email["From"] = _address(sender)
    email["To"] = _address(message.recipient)
    email["Subject"] = _subject(_one_line(message.subject))
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id(message, sender)
    email["Auto-Submitted"] = "auto-generated"
    return email


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
        email = build_email(message, self.sender)
        envelope = (_bare_address(self.sender), [message.recipient])
        smtp = self._reusable()
        try:
            if smtp is not None:
                try:
                    smtp.send_message(email, *envelope)
                except smtplib.SMTPServerDisconnected:  # closed by the server while kept
                    _close(smtp)
                    smtp = None
            if smtp is None:
                smtp = self._open()
                smtp.send_message(email, *envelope)
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
