"""The SMTP relay's settings, read once at start, checked before the service runs.

=================  ==========================================================================
``SMTP_HOST``      the relay (required in production; ``localhost`` in development)
``SMTP_PORT``      its port (required in production; ``1025``, the local sink, in development)
``MAIL_FROM``      the sender, ``Name <address>`` (required in production)
``SMTP_STARTTLS``  ``true``: upgrade the connection with STARTTLS before anything is sent
``SMTP_SSL``       ``true``: implicit TLS from the first byte (port 465); not with STARTTLS
``SMTP_USERNAME``  with ``SMTP_PASSWORD``: log in (AUTH) after TLS; refused without TLS
``SMTP_CA_FILE``   PEM file of the authorities that sign the relay's certificate, when it is
                   not a public one (default: the system's store)
=================  ==========================================================================

With TLS the relay's certificate and name are always verified: a relay that cannot prove
who it is gets neither the citizens' e-mails nor the password.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from chassis import config

DEFAULT_MAIL_FROM = "Ville de Caluire-et-Cuire <ne-pas-repondre@ville-caluire.fr>"
TRUE, FALSE = {"1", "true", "yes", "oui", "on"}, {"", "0", "false", "no", "non", "off"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None

    @property
    def uses_tls(self) -> bool:
        return self.starttls or self.implicit_tls

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, TLS 1.2 at least."""
        context = ssl.create_default_context(cafile=self.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


def read_settings(lookup: Callable[[str], object] = lambda name: None) -> SmtpSettings:
    """The settings from ``lookup(name)`` (nameko's config), else the environment."""

    def value(name: str, default: str | None = None, required: bool = False) -> str | None:
        given = lookup(name)
        if given not in (None, ""):
            return str(given).strip()
        return config.setting(name, default, required_in_production=required)

    settings = SmtpSettings(
        host=value("SMTP_HOST", "localhost", required=True),
        port=_port(value("SMTP_PORT", "1025", required=True)),
        sender=_sender(value("MAIL_FROM", DEFAULT_MAIL_FROM, required=True)),
        starttls=_flag("SMTP_STARTTLS", value("SMTP_STARTTLS")),
        implicit_tls=_flag("SMTP_SSL", value("SMTP_SSL")),
        username=value("SMTP_USERNAME"),
        password=value("SMTP_PASSWORD"),
        ca_file=value("SMTP_CA_FILE"),
    )
    _check(settings)
    return settings


def _check(settings: SmtpSettings) -> None:
    if settings.starttls and settings.implicit_tls:
        raise config.SettingError("SMTP_STARTTLS and SMTP_SSL exclude each other: choose one")
    if bool(settings.username) != bool(settings.password):
        raise config.SettingError("SMTP_USERNAME and SMTP_PASSWORD go together")
    if settings.username and not settings.uses_tls:
        raise config.SettingError(
            "SMTP_USERNAME needs SMTP_STARTTLS or SMTP_SSL: the password must not travel in clear"
        )
    if settings.ca_file and not os.access(settings.ca_file, os.R_OK):
        raise config.SettingError(f"SMTP_CA_FILE {settings.ca_file!r} cannot be read")


def _port(raw: str | None) -> int:
    if raw is None or not raw.isdigit() or not 0 < int(raw) < 65536:
        raise config.SettingError(f"SMTP_PORT must be a port number, not {raw!r}")
    return int(raw)


def _sender(raw: str | None) -> str:
    if not raw or "@" not in parseaddr(raw)[1]:
        raise config.SettingError(f"MAIL_FROM must be an address such as {DEFAULT_MAIL_FROM!r}")
    return raw


def _flag(name: str, raw: str | None) -> bool:
    word = (raw or "").lower()
    if word not in TRUE | FALSE:
        raise config.SettingError(f"{name} must be true or false, not {raw!r}")
    return word in TRUE
