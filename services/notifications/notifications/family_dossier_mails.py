"""E-mails of the Dossier Unique and of the pre-registrations, free of nameko and SMTP.

``dossier_changed`` confirms to the account that made the change which sections were applied
and which wait for the SimpliCité office; ``dossier_change_decided`` tells the account that
proposed a change whether it was validated, or refused and why. A change made by an agent
sends nothing (the agent's account is not the family's). Each goes to the address the accounts
projection knows, and to nobody when it is unknown or closed (``family_mails.recipient_of``).
A crèche or school pre-registration is confirmed to the account that submitted it, and each
status an agent gives it is told to that account, with the agent's comment.
"""

from __future__ import annotations

from contracts.family_dossier import SECTIONS
from contracts.family_preregistration import KINDS, STATUSES
from notifications.domain import Mail, paris_time
from notifications.family_mails import FAMILY_PATH

DOSSIER_CHANGED_TEMPLATE = "dossier_changed"
DOSSIER_CHANGE_DECIDED_TEMPLATE = "dossier_change_decided"
PREREGISTRATION_TEMPLATE = "preregistration"
PREREGISTRATIONS_PATH = "/famille/preinscriptions"


def _link(public_url: str) -> str:
    return f"{public_url.rstrip('/')}{FAMILY_PATH}"


def dossier_changed_mail(event: dict, recipient: str, public_url: str) -> Mail:
    context = {
        "family_id": event["family_id"],
        "changed_at": paris_time(event["changed_at"]),
        "applied": [SECTIONS.get(section, section) for section in event["applied"]],
        "pending": [SECTIONS.get(section, section) for section in event["pending"]],
        "family_link": _link(public_url),
    }
    return Mail(DOSSIER_CHANGED_TEMPLATE, recipient, context)


def dossier_change_decided_mail(event: dict, recipient: str, public_url: str) -> Mail:
    context = {
        "family_id": event["family_id"],
        "section": SECTIONS.get(event["section"], event["section"]),
        "validated": event["decision"] == "validee",
        "reason": event["reason"],
        "decided_at": paris_time(event["decided_at"]),
        "family_link": _link(public_url),
    }
    return Mail(DOSSIER_CHANGE_DECIDED_TEMPLATE, recipient, context)


def preregistration_mail(event: dict, recipient: str, public_url: str) -> Mail:
    """Either event of a pre-registration: its submission (no ``status``) or a new status."""
    status = event.get("status", "deposee")
    context = {
        "reference": event["reference"],
        "kind": KINDS[event["kind"]].lower(),
        "child": event["child_first_name"] or "votre enfant à naître",
        "status": STATUSES[status],
        "submitted": "status" not in event,
        "comment": event.get("comment", ""),
        "link": f"{public_url.rstrip('/')}{PREREGISTRATIONS_PATH}",
    }
    return Mail(PREREGISTRATION_TEMPLATE, recipient, context)
