"""SMTP access for the service: ``self.mailer.send(message)``.

Each e-mail is multipart (plain text and HTML, UTF-8) and carries a ``Message-ID`` derived
from the outgoing message's id, so a copy sent again after a crash (sent, but not yet marked
as sent) can be recognised as the same message by the server and the mail reader.

Settings, read and checked once at start (:mod:`notifications.smtp_settings`): the relay,
the sender, STARTTLS or implicit TLS, and a login; production refuses to start without the
relay and the sender.
"""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from nameko.extensions import DependencyProvider

from notifications.smtp_settings import SmtpSettings, read_settings

TIMEOUT_SECONDS = 15

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
    return email


class SmtpMailer:
    """What a worker gets: ``send`` one message, or raise :class:`DeliveryFailed`."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.sender = settings.sender

    def send(self, message: Any) -> None:
        email = build_email(message, self.sender)
        try:
            with self._connect() as smtp:
                if self.settings.starttls:
                    smtp.starttls(context=self.settings.tls_context())
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.host, self.settings.port
        if self.settings.implicit_tls:
            context = self.settings.tls_context()
            return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
        return smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)


class Mailer(DependencyProvider):
    """The relay of ``SMTP_*``, writing as ``MAIL_FROM`` (nameko config first, then the
    environment); a missing or inconsistent setting stops the service's start."""

    def setup(self) -> None:
        self.mailer = SmtpMailer(read_settings(self.container.config.get))

    def get_dependency(self, worker_ctx) -> SmtpMailer:
        return self.mailer
