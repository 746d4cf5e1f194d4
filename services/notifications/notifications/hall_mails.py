"""E-mails about the salle des fêtes (``contracts.hall``): the acceptance, with the amount to
pay online and its due date (from ``fee_due``, the event billing invoices), or the refusal
with its reason. Both go to an account holder's address, given when asking."""

from __future__ import annotations

from datetime import date

from contracts import hall
from contracts.hall import euros
from notifications.domain import Mail


def hall_mail(event_type: str, event: dict, public_url: str) -> Mail:
    base = public_url.rstrip("/")
    if event_type == hall.FEE_DUE:
        due = event["due_date"]
        context = {
            "reference": event["reference"],
            "label": event["label"],
            "amount": euros(event["amount_cents"]),
            "due_date": f"{due:%d/%m/%Y}" if isinstance(due, date) else due,
            "link": f"{base}/salle-des-fetes/demande/{event['reference']}",
        }
        return Mail("hall_booking_accepted", event["email"], context)
    context = {
        "reference": event["reference"],
        "day": f"{event['day']:%d/%m/%Y}",
        "period_label": event["period_label"],
        "reason": event["reason"],
        "link": f"{base}/salle-des-fetes",
    }
    return Mail("hall_booking_refused", event["email"], context)
