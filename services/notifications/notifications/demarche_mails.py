"""E-mails about démarche requests (``contracts.demarche_requests``): one at each status the
démarche's definition marks, with the private tracking link.

Like the report confirmation, the first e-mail goes to an address nobody confirmed, so it
carries nothing the requester typed: only the town's own words and the tracking number.
"""

from __future__ import annotations

from urllib.parse import quote

from contracts import demarche_requests
from notifications.domain import Mail, paris_time

TEMPLATES = {
    demarche_requests.DEMARCHE_SUBMITTED: "demarche_submitted",
    demarche_requests.DEMARCHE_STATUS_CHANGED: "demarche_status_changed",
}


def demarche_link(public_url: str, tracking_number: str, tracking_key: str) -> str:
    """``{public_url}/demarches/suivi/<number>?cle=<key>``."""
    base = public_url.rstrip("/")
    number, key = quote(tracking_number, safe=""), quote(tracking_key, safe="")
    return f"{base}/demarches/suivi/{number}?cle={key}"


def demarche_mail(event_type: str, event: dict, public_url: str) -> Mail:
    """The e-mail of a ``demarche_submitted`` or ``demarche_status_changed`` event."""
    moment = event.get("changed_at") or event["submitted_at"]
    context = {
        "demarche_title": event["demarche_title"],
        "tracking_number": event["tracking_number"],
        "tracking_link": demarche_link(public_url, event["tracking_number"], event["tracking_key"]),
        "status_label": event["status_label"],
        "comment": event.get("comment", ""),
        "at": paris_time(moment),
    }
    return Mail(TEMPLATES[event_type], event["email"], context)
