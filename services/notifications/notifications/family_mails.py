"""What each ``family`` event says to the account holder, free of nameko and SMTP.

``family_space_activated`` is a security notice as much as a confirmation: the account it
goes to now opens a family's space (children's data); a holder who did not do it is told
to contact the SimpliCité office. It goes to the address the accounts projection knows
(:mod:`notifications.contacts`), and to nobody when that address is unknown or closed.
"""

from __future__ import annotations

from typing import Any

from notifications.domain import Mail, paris_time

FAMILY_SPACE_ACTIVATED_TEMPLATE = "family_space_activated"
FAMILY_PATH = "/famille"


def recipient_of(contact: Any | None) -> str | None:
    """The confirmed address of the account, if the projection knows it and it is open."""
    if contact is None or contact.closed or not contact.email:
        return None
    return contact.email


def family_space_activated_mail(event: dict, recipient: str, public_url: str) -> Mail:
    context = {
        "family_id": event["family_id"],
        "activated_at": paris_time(event["occurred_at"]),
        "family_link": f"{public_url.rstrip('/')}{FAMILY_PATH}",
    }
    return Mail(FAMILY_SPACE_ACTIVATED_TEMPLATE, recipient, context)
