"""Contracts of the ``billing`` service: invoices, the family ledger and online payment.

RPC (service ``billing``), each taking ``caller`` (contracts.identity.Caller) first:

- ``list_invoices(caller)`` -> ``Ledger``: the invoices of the families the caller's account
  is linked to (a projection of ``family.family_space_activated``) and of the account itself
  (fees), with what is to pay, paid, partly paid, overdue, and the credits;
- ``get_invoice(caller, invoice_id)`` -> ``Invoice``; ``NotFound`` to anyone else, whether the
  invoice exists or not;
- ``invoice_pdf(caller, invoice_id)`` / ``receipt_pdf(caller, payment_id)`` -> ``Document``
  (base64 PDF);
- ``start_payment(caller, invoice_id)`` -> ``PaymentStart``: what the browser is sent to (the
  provider's form or address); ``Conflict`` with the reason when it cannot be paid online;
- ``get_payment_attempt(caller, attempt_id)`` -> ``PaymentAttempt`` (the polled status the
  return page shows);
- ``record_notification(provider, notification: ProviderNotification)`` -> ``NotificationAnswer``:
  a provider's server-to-server call, as the gateway received it (no caller: the provider
  is believed only after the service verified it).

The régie (role ``agent_regie``; anyone else gets ``Forbidden``):

- ``find_invoices(caller, query)`` -> list of ``Invoice``: by family identifier, reference or id;
- ``record_counter_payment(caller, invoice_id, payload: CounterPayment)`` -> ``Invoice``:
  cash, cheque or CESU at the counter (what exceeds the balance becomes a credit);
- ``cancel_invoice(caller, invoice_id, payload: CancelInvoice)`` -> ``Invoice``: a credit
  note for what is left to pay, with the reason (the invoice itself is never edited);
- ``list_review_queue(caller)`` -> list of ``ReviewItem``: online payments held for review;
- ``settle_review(caller, attempt_id, payload: SettleReview)`` -> ``ReviewDecision``: allocate
  the amount received to the invoice (``payment_succeeded``, ``invoice_paid``) or record it
  as to be refunded with a reason (``payment_to_refund``); once per attempt (``Conflict``
  after), logged with who and when; ``list_review_decisions(caller)`` -> the latest ones;
- ``export_payments(caller, start, end)`` -> ``Document`` (CSV, ``;``-separated, for the
  accounting of the régie) of the payments received between two days (Europe/Paris).

Childcare certificates (the yearly "attestation de frais de garde" of children under 6):

- ``list_certificates(caller)`` -> list of ``ChildcareCertificate`` of the caller's families;
- ``certificate_pdf(caller, family_id, year)`` -> ``Document``; ``NotFound`` to anyone else.

Consumes ``family.family_space_activated`` (who may see a family's invoices),
``accounts.account_closed`` (links removed), ``requests.fee_due`` (an invoice for the
account, once per fee reference), ``family.quotient_changed`` (the family's
quotient familial, for its tariff bracket; the most recent announcement wins) and
``family.attendance_changed`` (the days the monthly run prices into one invoice per family).

Events (exchange ``billing.events``): ``invoice_issued``, ``payment_succeeded``,
``payment_failed``, ``invoice_paid``, ``payment_under_review``, ``invoice_overdue`` (one
reminder per invoice left unpaid after its due date), ``childcare_certificate_issued`` (a
family's yearly childcare certificate can be downloaded), ``payment_to_refund`` (the régie will
refund a payment held for review), ``invoice_cancelled`` (the régie
cancelled what was left to pay by a credit note; the requests service cancels the salle des
fêtes booking whose fee it was).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts import fields_fr as fr
from contracts.base import Event

SERVICE = "billing"

INVOICE_ISSUED = "invoice_issued"
PAYMENT_SUCCEEDED = "payment_succeeded"
PAYMENT_FAILED = "payment_failed"
INVOICE_PAID = "invoice_paid"
PAYMENT_UNDER_REVIEW = "payment_under_review"
PAYMENT_TO_REFUND = "payment_to_refund"
INVOICE_OVERDUE = "invoice_overdue"
CHILDCARE_CERTIFICATE_ISSUED = "childcare_certificate_issued"
INVOICE_CANCELLED = "invoice_cancelled"

PROVIDERS = ("systempay", "payfip")
CALLBACK_OUTCOMES = (
    "accepted",
    "duplicate",
    "refused_signature",
    "refused_amount",
    "refused_unknown",
    "error",
)
"""How a provider's notification ended: believed and applied (a refused card is accepted
news), already applied, not proven, money that did not match (review), no such payment."""
REGIE_ROLES = ("agent_regie",)
COUNTER_METHODS = {"especes": "Espèces", "cheque": "Chèque", "cesu": "CESU"}
PAYMENT_METHODS = {
    "en_ligne_systempay": "Carte bancaire en ligne",
    "en_ligne_payfip": "Paiement en ligne PayFiP",
    **COUNTER_METHODS,
}

INVOICE_STATUSES = {
    "a_payer": "À payer",
    "partiellement_payee": "Partiellement payée",
    "payee": "Payée",
    "en_retard": "En retard",
    "annulee": "Annulée",
}

ATTEMPT_STATES = {
    "created": "Paiement préparé",
    "redirected": "En attente du paiement",
    "waiting": "Paiement en cours de confirmation",
    "paid": "Paiement accepté",
    "refused": "Paiement refusé",
    "cancelled": "Paiement abandonné",
    "expired": "Paiement expiré",
    "error": "Erreur lors du paiement",
    "review": "Paiement en cours de vérification par la régie",
    "to_refund": "Paiement à rembourser par la régie",
}
SETTLEMENTS = {"affecter": "Affecter à la facture", "rembourser": "À rembourser"}
"""The régie's decisions on an online payment held for review."""
REFUND_REASON_REQUIRED = "Indiquez pourquoi ce paiement sera remboursé."


class InvoiceLine(Schema):
    label = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_cents = fields.Integer(required=True)
    amount_cents = fields.Integer(required=True)


class PaymentView(Schema):
    id = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    method = fields.String(required=True)
    method_label = fields.String(load_default="")
    paid_at = fields.AwareDateTime(required=True, format="iso")


class Invoice(Schema):
    """An invoice as its family or account sees it, with its state in the ledger."""

    id = fields.String(required=True)
    reference = fields.String(required=True)
    family_id = fields.String(allow_none=True, load_default=None)
    label = fields.String(required=True)
    issued_on = fields.Date(required=True)
    due_date = fields.Date(required=True)
    total_cents = fields.Integer(required=True)
    paid_cents = fields.Integer(required=True)
    balance_cents = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(list(INVOICE_STATUSES)))
    status_label = fields.String(required=True)
    payable_online = fields.Boolean(required=True)
    not_payable_reason = fields.String(allow_none=True, load_default=None)
    lines = fields.List(fields.Nested(InvoiceLine), required=True)
    payments = fields.List(fields.Nested(PaymentView), required=True)


class Ledger(Schema):
    """What a family space shows: every invoice and the totals of the ledger."""

    invoices = fields.List(fields.Nested(Invoice), required=True)
    to_pay_cents = fields.Integer(required=True)
    overdue_cents = fields.Integer(required=True)
    paid_cents = fields.Integer(required=True)
    credit_cents = fields.Integer(required=True)


class Document(Schema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    content_base64 = fields.String(required=True)


class PaymentStart(Schema):
    """Where the browser goes: a form to POST (Systempay) or an address to GET (PayFiP)."""

    attempt_id = fields.String(required=True)
    method = fields.String(required=True, validate=validate.OneOf(["GET", "POST"]))
    url = fields.String(required=True)
    form = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class PaymentAttempt(Schema):
    id = fields.String(required=True)
    invoice_id = fields.String(required=True)
    invoice_reference = fields.String(required=True)
    provider = fields.String(required=True, validate=validate.OneOf(PROVIDERS))
    amount_cents = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(ATTEMPT_STATES)))
    state_label = fields.String(required=True)
    payment_id = fields.String(allow_none=True, load_default=None)
    final = fields.Boolean(required=True)


class ProviderNotification(Schema):
    """A provider's call exactly as the gateway received it (the body is kept raw)."""

    body = fields.String(required=True)
    content_type = fields.String(load_default="")
    query_string = fields.String(load_default="")


class NotificationAnswer(Schema):
    """What the gateway answers the provider, and the outcome it counts
    (``portail_payment_callbacks_total``)."""

    status = fields.Integer(required=True)
    content_type = fields.String(required=True)
    body = fields.String(required=True)
    outcome = fields.String(
        load_default="accepted",
        validate=validate.OneOf(CALLBACK_OUTCOMES),
    )


class CounterPayment(Schema):
    """A payment the régie receives at its counter."""

    class Meta:
        unknown = EXCLUDE

    amount_cents = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=10_000_000, error="Montant entre 0,01 € et 100 000 €."),
        error_messages={**fr.MESSAGES, "invalid": "Montant en centimes attendu."},
    )
    method = fr.choice(COUNTER_METHODS)


class CancelInvoice(Schema):
    """Why the régie cancels what is left to pay of an invoice (kept on the credit note)."""

    class Meta:
        unknown = EXCLUDE

    reason = fr.text(max_length=300)


class ReviewItem(Schema):
    """An online payment held for the régie: the provider's answer did not match."""

    attempt_id = fields.String(required=True)
    invoice_id = fields.String(required=True)
    invoice_reference = fields.String(required=True)
    provider = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    reason = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True, format="iso")


class SettleReview(Schema):
    """The régie's decision on a payment under review: the amount it checked with the
    provider, allocated to the invoice or to refund (then with a reason)."""

    class Meta:
        unknown = EXCLUDE

    decision = fr.choice(SETTLEMENTS)
    amount_cents = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=10_000_000, error="Montant entre 0,01 € et 100 000 €."),
        error_messages={**fr.MESSAGES, "invalid": "Montant en centimes attendu."},
    )
    reason = fr.text(required=False, max_length=300, load_default="")

    @validates_schema
    def _refund_has_a_reason(self, data, **kwargs):
        if data.get("decision") == "rembourser" and not data.get("reason"):
            raise ValidationError({"reason": [REFUND_REASON_REQUIRED]})


class ReviewDecision(Schema):
    """A decision of the régie on a payment that was under review (who, when, what)."""

    attempt_id = fields.String(required=True)
    invoice_reference = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(list(SETTLEMENTS)))
    decision_label = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    reason = fields.String(required=True)
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True, format="iso")
    payment_id = fields.String(allow_none=True, load_default=None)


class InvoiceFields(Schema):
    """What every invoice event says of the invoice and of who sees it."""

    invoice_id = fields.String(required=True)
    invoice_reference = fields.String(required=True)
    family_id = fields.String(allow_none=True, load_default=None)
    account_id = fields.String(
        allow_none=True, load_default=None, metadata={"description": "fee invoices"}
    )
    account_ids = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "the accounts that see the invoice (linked to its family)"},
    )
    email = fields.String(
        allow_none=True, load_default=None, metadata={"description": "given with a fee"}
    )
    amount_cents = fields.Integer(required=True)


class InvoiceIssued(InvoiceFields, Event):
    """A new invoice for a family or an account (its e-mail links to the PDF)."""

    redacted_once_published = ("email",)

    reference = fields.String(
        allow_none=True,
        load_default=None,
        metadata={"description": "the fee's reference when the invoice came from requests.fee_due"},
    )
    label = fields.String(required=True)
    due_date = fields.Date(required=True)


class PaymentSucceeded(InvoiceFields, Event):
    """A verified payment was booked and allocated to the invoice (``amount_cents``)."""

    redacted_once_published = ("email",)

    payment_id = fields.String(required=True)
    provider = fields.String(required=True)
    paid_at = fields.AwareDateTime(required=True, format="iso")
    balance_cents = fields.Integer(
        required=True, metadata={"description": "what is left to pay on the invoice after it"}
    )


class PaymentFailed(InvoiceFields, Event):
    """An online payment ended without money: refused, abandoned, expired or in error."""

    redacted_once_published = ("email",)

    attempt_id = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(ATTEMPT_STATES)))


class InvoicePaid(InvoiceFields, Event):
    """The invoice is paid in full; ``reference`` is the fee's when it came from one."""

    redacted_once_published = ("email",)

    reference = fields.String(allow_none=True, load_default=None)
    payment_id = fields.String(
        allow_none=True, load_default=None, metadata={"description": "the payment that settled it"}
    )


class PaymentUnderReview(InvoiceFields, Event):
    """The provider's answer did not match the attempt: nothing was allocated, the régie checks."""

    redacted_once_published = ("email",)

    attempt_id = fields.String(required=True)
    reason = fields.String(required=True)


class PaymentToRefund(InvoiceFields, Event):
    """The régie decided that a payment held for review goes back to the payer
    (``amount_cents``); nothing was allocated to the invoice."""

    redacted_once_published = ("email", "reason")

    attempt_id = fields.String(required=True)
    reason = fields.String(required=True)


class InvoiceOverdue(InvoiceFields, Event):
    """The due date passed with money still due (``amount_cents``): one reminder per invoice."""

    redacted_once_published = ("email",)

    due_date = fields.Date(required=True)


class CertificateChild(Schema):
    first_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    amount_cents = fields.Integer(required=True)


class ChildcareCertificate(Schema):
    """A family's "attestation de frais de garde" of a year: what it paid for the childcare
    of each child under 6 on 31 December (meals excluded)."""

    family_id = fields.String(required=True)
    year = fields.Integer(required=True)
    amount_cents = fields.Integer(required=True)
    children = fields.List(fields.Nested(CertificateChild), required=True)


class ChildcareCertificateIssued(Event):
    """A family's childcare certificate of ``year`` is ready (told once per family and year)."""

    family_id = fields.String(required=True)
    year = fields.Integer(required=True)
    account_ids = fields.List(
        fields.String(), required=True, metadata={"description": "accounts linked to the family"}
    )
    amount_cents = fields.Integer(required=True)


class InvoiceCancelled(InvoiceFields, Event):
    """The régie cancelled what was left to pay (``amount_cents``) by a credit note; what was
    paid before stays paid. ``reference`` is the fee's when the invoice came from one."""

    redacted_once_published = ("email", "reason")

    reference = fields.String(allow_none=True, load_default=None)
    credit_note_id = fields.String(required=True)
    reason = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True, format="iso")
