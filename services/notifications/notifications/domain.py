"""Rules of outgoing e-mails, free of nameko, SQLAlchemy and SMTP.

What each event says to the citizen (the template context), and when a message that could not
be sent is tried again: exponential backoff from ``FIRST_RETRY`` up to ``LONGEST_WAIT``, given
up after ``MAX_ATTEMPTS`` tries (2 s, 4 s... 256 s, then every 5 minutes: the 20th try comes
about 64 minutes after the first).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
PENDING, SENT, FAILED = "pending", "sent", "failed"
FIRST_RETRY = timedelta(seconds=2)
LONGEST_WAIT = timedelta(minutes=5)
MAX_ATTEMPTS = 20
REPORT_SUBMITTED_TEMPLATE = "report_submitted"
REPORT_STATUS_CHANGED_TEMPLATE = "report_status_changed"
FOLLOWED_REPORT_CHANGED_TEMPLATE = "followed_report_changed"


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail (a calendar file, for instance)."""

    filename: str
    content_type: str
    data: bytes

    def stored(self) -> dict:
        """As the ``attachments`` column keeps it (JSON: the bytes in base64)."""
        encoded = base64.b64encode(self.data).decode("ascii")
        return {"filename": self.filename, "content_type": self.content_type, "data": encoded}


@dataclass(frozen=True)
class Mail:
    """What to write, to whom, with what: a template name, its context, attachments."""

    template: str
    recipient: str
    context: dict
    attachments: tuple[Attachment, ...] = ()


def tracking_link(public_url: str, tracking_number: str, tracking_key: str) -> str:
    """The private link to follow a report: ``{public_url}/suivi/<number>?cle=<key>``."""
    base = public_url.rstrip("/")
    return f"{base}/suivi/{quote(tracking_number, safe='')}?cle={quote(tracking_key, safe='')}"


def paris_time(moment: datetime) -> str:
    """``26/11/2026 à 09 h 15``, in the town's time."""
    local = moment.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H} h {local:%M}"


def report_submitted_mail(event: dict, public_url: str) -> Mail:
    """Confirmation of a report, with its number and private tracking link.

    The address it goes to was typed by whoever sent the report and nobody confirmed it, so
    the mail carries nothing that person wrote (address, description): the form cannot be
    used to send the town's e-mails with someone's text to a stranger.
    """
    context = {
        "tracking_number": event["tracking_number"],
        "tracking_link": tracking_link(public_url, event["tracking_number"], event["tracking_key"]),
        "category_label": event["category_label"],
        "submitted_at": paris_time(event["submitted_at"]),
    }
    return Mail(REPORT_SUBMITTED_TEMPLATE, event["email"], context)


def report_status_changed_mail(event: dict, public_url: str) -> Mail:
    """News of a report: its new status and the agent's public comment."""
    context = {
        "tracking_number": event["tracking_number"],
        "tracking_link": tracking_link(public_url, event["tracking_number"], event["tracking_key"]),
        "status": event["status"],
        "status_label": event["status_label"],
        "comment": event["comment"],
        "changed_at": paris_time(event["changed_at"]),
    }
    return Mail(REPORT_STATUS_CHANGED_TEMPLATE, event["email"], context)


def unfollow_link(public_url: str, tracking_number: str, key: str) -> str:
    """A follower's link to stop following: ``{public_url}/signalements/ne-plus-suivre/
    <number>?cle=<their key>``."""
    base = public_url.rstrip("/")
    number = quote(tracking_number, safe="")
    return f"{base}/signalements/ne-plus-suivre/{number}?cle={quote(key, safe='')}"


def followed_report_changed_mails(event: dict, public_url: str) -> list[Mail]:
    """The news of a report for each of its followers: status and public comment, with no
    tracking link (the private link is its author's), and their own link to stop following
    when the event carries their key."""
    keys = event.get("unsubscribe_keys") or {}
    context = {
        "tracking_number": event["tracking_number"],
        "status": event["status"],
        "status_label": event["status_label"],
        "comment": event["comment"],
        "changed_at": paris_time(event["changed_at"]),
    }
    recipients = [address for address in event.get("followers") or [] if address]
    return [
        Mail(
            FOLLOWED_REPORT_CHANGED_TEMPLATE,
            address,
            {
                **context,
                "unfollow_link": unfollow_link(public_url, event["tracking_number"], keys[address])
                if keys.get(address)
                else None,
            },
        )
        for address in recipients
    ]


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 2 s, 4 s, 8 s... at most 5 minutes."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_WAIT)


def record_failure(message: Any, error: str, now: datetime) -> None:
    """Count a failed try; schedule the next one, or give up after ``MAX_ATTEMPTS``."""
    message.attempts += 1
    message.last_error = error
    if message.attempts >= MAX_ATTEMPTS:
        message.status = FAILED
        message.next_attempt_at = None
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)


def success_values(attempts: Any, sent_at: Any) -> dict[str, Any]:
    """What a message that left becomes; ``attempts`` and ``sent_at`` may be values or SQL
    expressions (``Messages.record_sent`` writes many in one statement)."""
    return {
        "attempts": attempts + 1,
        "status": SENT,
        "sent_at": sent_at,
        "next_attempt_at": None,
        "last_error": None,
    }


def record_success(message: Any, now: datetime) -> None:
    for name, value in success_values(message.attempts, now).items():
        setattr(message, name, value)


def message_view(message: Any) -> dict:
    """What ``contracts.notifications.OutgoingMessage`` dumps."""
    return {
        "id": message.id,
        "source_event_id": message.source_event_id,
        "template": message.template,
        "recipient": message.recipient,
        "subject": message.subject,
        "status": message.status,
        "attempts": message.attempts,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
    }


SINGLE_USE_LINK = re.compile(r"https?://\S+\?jeton=\S+")
LINK_WITHHELD = "[lien à usage unique, dans l'e-mail seulement]"


def account_message_view(message: Any) -> dict:
    """What ``contracts.notifications.AccountMessage`` dumps; the single-use links (account
    confirmation, new password) stay in the mailbox: a session alone never reveals them."""
    return {
        "id": message.id,
        "subject": message.subject,
        "text_body": SINGLE_USE_LINK.sub(LINK_WITHHELD, message.text_body),
        "status": message.status,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
    }
