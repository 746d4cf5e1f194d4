"""E-mails written from Jinja2 templates in French, one folder per template name.

Each folder under ``templates/`` holds ``subject.txt``, ``body.txt`` and ``body.html``; the
HTML is autoescaped, so text typed by a citizen or an agent cannot inject markup.

    class NotificationsService:
        composer = Composer()

        self.composer.report_submitted(event)                     # -> Rendered
        self.composer.account_mail("account_registered", event)   # -> Rendered
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from nameko.extensions import DependencyProvider

from chassis import config
from notifications import (
    account_mails,
    appointment_mails,
    attendance_mails,
    billing_mails,
    demarche_mails,
    domain,
    family_mails,
    hall_mails,
)

DEFAULT_PUBLIC_URL = "http://localhost:8000"


@dataclass(frozen=True)
class Rendered:
    """A message ready to store: template, recipient, subject, both bodies, attachments."""

    template: str
    recipient: str
    subject: str
    text: str
    html: str
    attachments: tuple[domain.Attachment, ...] = ()


def make_environment() -> Environment:
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class MailComposer:
    """Turns events into e-mails; links point at the gateway's public address."""

    def __init__(self, environment: Environment, public_url: str) -> None:
        self.environment = environment
        self.public_url = public_url

    def render(self, mail: domain.Mail) -> Rendered:
        folder = mail.template

        def fill(name: str) -> str:
            return self.environment.get_template(f"{folder}/{name}").render(mail.context)

        subject = " ".join(fill("subject.txt").split())
        text, html = fill("body.txt"), fill("body.html")
        return Rendered(folder, mail.recipient, subject, text, html, mail.attachments)

    def report_submitted(self, event: dict) -> Rendered:
        return self.render(domain.report_submitted_mail(event, self.public_url))

    def report_status_changed(self, event: dict) -> Rendered:
        return self.render(domain.report_status_changed_mail(event, self.public_url))

    def followed_report_changed(self, event: dict) -> list[Rendered]:
        mails = domain.followed_report_changed_mails(event, self.public_url)
        return [self.render(mail) for mail in mails]

    def demarche_mail(self, event_type: str, event: dict) -> Rendered:
        """The e-mail of a démarche event (see :mod:`notifications.demarche_mails`)."""
        return self.render(demarche_mails.demarche_mail(event_type, event, self.public_url))

    def account_mail(self, event_type: str, event: dict) -> Rendered:
        """The e-mail of an ``accounts`` event (see :mod:`notifications.account_mails`)."""
        return self.render(account_mails.account_mail(event_type, event, self.public_url))

    def billing_mail(self, event_type: str, event: dict, recipient: str) -> Rendered | None:
        """The e-mail of a ``billing`` event, or None (see :mod:`notifications.billing_mails`)."""
        mail = billing_mails.billing_mail(event_type, event, recipient, self.public_url)
        return None if mail is None else self.render(mail)

    def appointment_mail(self, event_type: str, event: dict) -> Rendered:
        """The e-mail of an appointment event, with its calendar file (``appointment_mails``)."""
        return self.render(appointment_mails.appointment_mail(event_type, event, self.public_url))

    def hall_mail(self, event_type: str, event: dict) -> Rendered:
        """The acceptance or refusal of a salle des fêtes request (``hall_mails``)."""
        return self.render(hall_mails.hall_mail(event_type, event, self.public_url))

    def family_space_activated(self, event: dict, recipient: str) -> Rendered:
        mail = family_mails.family_space_activated_mail(event, recipient, self.public_url)
        return self.render(mail)

    def attendance_mail(self, event: dict, recipient: str) -> Rendered:
        """See :mod:`notifications.attendance_mails`."""
        return self.render(attendance_mails.attendance_mail(event, recipient, self.public_url))

    def school_year_mail(self, event: dict, recipient: str) -> Rendered:
        """See :mod:`notifications.attendance_mails`."""
        return self.render(attendance_mails.school_year_mail(event, recipient, self.public_url))


class Composer(DependencyProvider):
    """Gives workers a :class:`MailComposer`; reads ``GATEWAY_PUBLIC_URL`` once, at start."""

    def setup(self) -> None:
        public_url = self.container.config.get("GATEWAY_PUBLIC_URL") or config.setting(
            "GATEWAY_PUBLIC_URL", DEFAULT_PUBLIC_URL, required_in_production=True
        )
        self.composer = MailComposer(make_environment(), public_url)

    def get_dependency(self, worker_ctx) -> MailComposer:
        return self.composer
