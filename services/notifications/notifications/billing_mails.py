"""What each ``billing`` event says to the family or the account holder, free of nameko and SMTP.

One e-mail per event and address: to the address a fee came with, otherwise to every
account linked to the family (both parents) whose address the accounts projection knows
(:mod:`notifications.contacts`), an address shared by two accounts written to once.
A payment that settles an invoice is told once, by ``invoice_paid`` (with the receipt); a
partial payment by ``payment_succeeded``. An attempt the citizen abandoned, or that expired,
is not told: they left the payment page themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from notifications.domain import Mail

INVOICES_PATH = "/famille/factures"
BULK = ("invoice_issued", "invoice_overdue", "childcare_certificate_issued")
"""Events that come by thousands at once (the monthly run, reminders, January's
certificates): their e-mails are sent by the delivery loop in batches
(:mod:`notifications.delivery`)."""
FAILED_STATES_TOLD = ("refused", "error")


def euros(cents: int) -> str:
    units, rest = divmod(cents, 100)
    return f"{units:,}".replace(",", " ") + f",{rest:02d} €"


def recipients(event: dict, addresses_of: Callable[[list[str]], dict[str, Any]]) -> list[str]:
    """The fee's address, or the open, known address of every account linked to the family
    (both parents), each address once, in the order of the links; ``addresses_of(ids)``
    gives the known contacts of those accounts, asked only for a family."""
    if event.get("email"):
        return [event["email"]]
    known = addresses_of(event["account_ids"])
    found: list[str] = []
    for account_id in event["account_ids"]:
        contact = known.get(account_id)
        if contact is None or contact.closed or not contact.email:
            continue
        if contact.email.lower() not in {address.lower() for address in found}:
            found.append(contact.email)
    return found


def billing_mail(event_type: str, event: dict, to: str, public_url: str) -> Mail | None:
    """The e-mail of a billing event, or None when that event is not told."""
    if event_type == "childcare_certificate_issued":
        context = {
            "year": event["year"],
            "amount": euros(event["amount_cents"]),
            "invoices_link": f"{public_url.rstrip('/')}{INVOICES_PATH}",
        }
        return Mail(event_type, to, context)
    if event_type == "payment_succeeded" and event["balance_cents"] <= 0:
        return None
    if event_type == "invoice_issued" and event.get("reference"):
        return None  # a fee: the service that asked for it already told (requests.fee_due)
    if event_type == "payment_failed" and event["state"] not in FAILED_STATES_TOLD:
        return None
    base = public_url.rstrip("/")
    context = {
        "reference": event["invoice_reference"],
        "amount": euros(event["amount_cents"]),
        "invoice_link": f"{base}{INVOICES_PATH}/{event['invoice_id']}",
    }
    if event.get("due_date"):
        context["due_date"] = date.fromisoformat(str(event["due_date"])).strftime("%d/%m/%Y")
    if event.get("balance_cents") is not None:
        context["balance"] = euros(event["balance_cents"])
    if event.get("reason"):
        context["reason"] = event["reason"]
    if event.get("payment_id"):
        context["receipt_link"] = f"{base}{INVOICES_PATH}/paiements/{event['payment_id']}/recu"
    return Mail(event_type, to, context)
