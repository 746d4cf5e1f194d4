"""SMTP access for the service: ``self.mailer.send(message)``.

Each e-mail is multipart (plain text and HTML, UTF-8) and carries a ``Message-ID`` derived
from the outgoing message's id, so a copy sent again after a crash (sent, but not yet marked
as sent) can be recognised as the same message by the server and the mail reader.

Settings, read once at start: ``SMTP_HOST``, ``SMTP_PORT``, ``MAIL_FROM``.
"""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from nameko.extensions import DependencyProvider

from chassis import config

DEFAULT_MAIL_FROM = "Ville de Caluire-et-Cuire <ne-pas-repondre@ville-caluire.fr>"
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

    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host = host
        self.port = port
        self.sender = sender

    def send(self, message: Any) -> None:
        email = build_email(message, self.sender)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
                smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


class Mailer(DependencyProvider):
    """The SMTP server of ``SMTP_HOST``/``SMTP_PORT``, writing as ``MAIL_FROM``."""

    def setup(self) -> None:
        def value(name: str, default: str) -> str:
            return str(self.container.config.get(name) or config.setting(name, default))

        self.mailer = SmtpMailer(
            value("SMTP_HOST", "localhost"),
            int(value("SMTP_PORT", "1025")),
            value("MAIL_FROM", DEFAULT_MAIL_FROM),
        )

    def get_dependency(self, worker_ctx) -> SmtpMailer:
        return self.mailer
