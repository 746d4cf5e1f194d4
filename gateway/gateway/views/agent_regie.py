"""The régie's back-office pages, on the agents' blueprint (agent session, never cached):
find invoices, take a payment at the counter, the review queue, the CSV export of payments.

The billing service decides who may do it (role ``agent_regie``); another agent gets 403.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from contracts import billing
from contracts.errors import Conflict, Invalid, NotFound
from gateway import sessions
from gateway.views import rpc
from gateway.views.agents import bp
from gateway.views.billing_pages import document_response

AMOUNT_FORMAT = "Montant en euros attendu, par exemple 94,40."


@bp.get("/regie")
def regie():
    """Invoices by family identifier or reference, and what the régie has to look at."""
    query = (request.args.get("q") or "").strip()
    caller = sessions.current_caller()
    found = rpc().call(billing.SERVICE, "find_invoices", caller, query) if query else None
    review = rpc().call(billing.SERVICE, "list_review_queue", caller)
    decisions = rpc().call(billing.SERVICE, "list_review_decisions", caller)
    return render_template(
        "agents/regie.html", query=query, found=found, review=review, decisions=decisions
    )


@bp.get("/regie/verifications/<attempt_id>")
def regie_review(attempt_id: str):
    """A payment held for review, and the régie's decision to take on it."""
    return _review_page(attempt_id, {"decision": "", "amount": "", "reason": ""}, {})


@bp.post("/regie/verifications/<attempt_id>")
def regie_settle_review(attempt_id: str):
    """Allocate the amount checked with the provider, or record it as to be refunded."""
    values = {
        "decision": request.form.get("decision", ""),
        "amount": request.form.get("amount", "").strip(),
        "reason": request.form.get("reason", "").strip(),
    }
    cents = _cents(values["amount"])
    if cents is None:
        return _review_page(attempt_id, values, {"amount": [AMOUNT_FORMAT]}), 422
    payload = {"decision": values["decision"], "amount_cents": cents, "reason": values["reason"]}
    caller = sessions.current_caller()
    try:
        rpc().call(billing.SERVICE, "settle_review", caller, attempt_id, payload)
    except Invalid as exc:
        errors = {"amount" if k == "amount_cents" else k: v for k, v in exc.fields.items()}
        return _review_page(attempt_id, values, errors), 422
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for(".regie"), 303)
    flash("Décision enregistrée.")
    return redirect(url_for(".regie"), 303)


def _review_page(attempt_id: str, values: dict, errors: dict):
    queue = rpc().call(billing.SERVICE, "list_review_queue", sessions.current_caller())
    item = next((found for found in queue if found["attempt_id"] == attempt_id), None)
    if item is None:
        raise NotFound("Ce paiement n'est pas en attente de vérification.")
    return render_template(
        "agents/regie_review.html",
        item=item,
        values=values,
        errors=errors,
        summary=[(name, message) for name, messages in errors.items() for message in messages],
        settlements=billing.SETTLEMENTS,
    )


@bp.get("/regie/factures/<invoice_id>")
def regie_invoice(invoice_id: str):
    return _invoice_page(invoice_id, {"amount": "", "method": "especes", "reason": ""}, {})


@bp.post("/regie/factures/<invoice_id>/encaissement")
def regie_counter_payment(invoice_id: str):
    """Record cash, a cheque or CESU received at the counter for this invoice."""
    values = {
        "amount": request.form.get("amount", "").strip(),
        "method": request.form.get("method", ""),
        "reason": "",
    }
    cents = _cents(values["amount"])
    if cents is None:
        return _invoice_page(invoice_id, values, {"amount": [AMOUNT_FORMAT]}), 422
    payload = {"amount_cents": cents, "method": values["method"]}
    try:
        rpc().call(
            billing.SERVICE,
            "record_counter_payment",
            sessions.current_caller(),
            invoice_id,
            payload,
        )
    except Invalid as exc:
        errors = {"amount" if k == "amount_cents" else k: v for k, v in exc.fields.items()}
        return _invoice_page(invoice_id, values, errors), 422
    flash("Paiement enregistré.")
    return redirect(url_for(".regie_invoice", invoice_id=invoice_id), 303)


@bp.post("/regie/factures/<invoice_id>/annulation")
def regie_cancel(invoice_id: str):
    """Cancel what is left to pay of the invoice by a credit note, with the reason."""
    values = {"amount": "", "method": "especes", "reason": request.form.get("reason", "").strip()}
    caller = sessions.current_caller()
    try:
        rpc().call(
            billing.SERVICE, "cancel_invoice", caller, invoice_id, {"reason": values["reason"]}
        )
    except Invalid as exc:
        return _invoice_page(invoice_id, values, exc.fields), 422
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for(".regie_invoice", invoice_id=invoice_id), 303)
    flash("Facture annulée : un avoir a été établi pour le reste à payer.")
    return redirect(url_for(".regie_invoice", invoice_id=invoice_id), 303)


@bp.get("/regie/export")
def regie_export():
    """The payments of a period as CSV (``du`` and ``au``, days)."""
    start, end = request.args.get("du", ""), request.args.get("au", "")
    document = rpc().call(billing.SERVICE, "export_payments", sessions.current_caller(), start, end)
    return document_response(document)


def _invoice_page(invoice_id: str, values: dict, errors: dict):
    caller = sessions.current_caller()
    found = rpc().call(billing.SERVICE, "find_invoices", caller, invoice_id)
    invoice = next((item for item in found if item["id"] == invoice_id), None)
    if invoice is None:
        raise NotFound("Facture introuvable.")
    return render_template(
        "agents/regie_invoice.html",
        invoice=invoice,
        values=values,
        errors=errors,
        summary=[(name, message) for name, messages in errors.items() for message in messages],
        methods=billing.COUNTER_METHODS,
    )


def _cents(amount: str) -> int | None:
    """``"94,40"`` or ``"94.40"`` or ``"94"`` in cents; None when it is not an amount."""
    text = amount.replace(" ", "").replace("\u202f", "").replace(",", ".")
    units, _, decimals = text.partition(".")
    if not units.isdigit() or (decimals and (not decimals.isdigit() or len(decimals) > 2)):
        return None
    return int(units) * 100 + int((decimals or "0").ljust(2, "0"))
