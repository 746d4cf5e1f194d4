"""Mes factures: the invoices of the account's families and of the account, paid online.

Pages for a logged-in person; every call passes the session's caller, and the billing
service answers only about invoices that account may see (``contracts.billing``). Paying
shows the provider's form on a page of ours (a plain button, no script); the provider's
address is added to that page's ``form-action`` policy only.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)

from contracts import billing
from contracts.errors import Conflict
from gateway import pages, security, sessions
from gateway.views import rpc

bp = pages.private_area(Blueprint("billing", __name__))


@bp.get("/famille/factures")
def invoices():
    """Every invoice the account sees, with what is to pay, overdue, paid and in credit."""
    caller = sessions.current_caller()
    ledger = rpc().call(billing.SERVICE, "list_invoices", caller)
    certificates = rpc().call(billing.SERVICE, "list_certificates", caller)
    return render_template("billing/invoices.html", ledger=ledger, certificates=certificates)


@bp.get("/famille/factures/attestations/<family_id>/<int:year>")
def certificate_pdf(family_id: str, year: int):
    """The yearly childcare certificate ("attestation de frais de garde") of a family."""
    caller = sessions.current_caller()
    found = rpc().call(billing.SERVICE, "certificate_pdf", caller, family_id, year)
    return document_response(found)


@bp.get("/famille/factures/<invoice_id>")
def invoice(invoice_id: str):
    found = rpc().call(billing.SERVICE, "get_invoice", sessions.current_caller(), invoice_id)
    return render_template("billing/invoice.html", invoice=found)


@bp.post("/famille/factures/<invoice_id>/payer")
def pay(invoice_id: str):
    """The provider's form, ready to send (or the reason the invoice cannot be paid)."""
    caller = sessions.current_caller()
    email = (sessions.current_identity() or {}).get("email")
    try:
        start = rpc().call(billing.SERVICE, "start_payment", caller, invoice_id, email)
    except Conflict as refused:
        flash(refused.message)
        return redirect(url_for(".invoice", invoice_id=invoice_id), 303)
    session["payment_attempt"] = start["attempt_id"]
    found = rpc().call(billing.SERVICE, "get_invoice", caller, invoice_id)
    page = make_response(render_template("billing/pay.html", start=start, invoice=found))
    target = urlsplit(start["url"])
    page.headers["Content-Security-Policy"] = security.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}"
    )
    return page


@bp.get("/famille/paiements/<attempt_id>")
def attempt(attempt_id: str):
    """Where a payment stands; the page looks again by itself until it is settled."""
    found = _attempt(attempt_id)
    return render_template("billing/attempt.html", attempt=found)


@bp.get("/famille/paiements/<attempt_id>/etat")
def attempt_state(attempt_id: str):
    found = _attempt(attempt_id)
    return jsonify({"final": found["final"], "state_label": found["state_label"]})


@bp.get("/famille/factures/<invoice_id>/pdf")
def invoice_pdf(invoice_id: str):
    caller = sessions.current_caller()
    return document_response(rpc().call(billing.SERVICE, "invoice_pdf", caller, invoice_id))


@bp.get("/famille/factures/paiements/<payment_id>/recu")
def receipt(payment_id: str):
    caller = sessions.current_caller()
    return document_response(rpc().call(billing.SERVICE, "receipt_pdf", caller, payment_id))


def _attempt(attempt_id: str) -> dict:
    return rpc().call(billing.SERVICE, "get_payment_attempt", sessions.current_caller(), attempt_id)


def document_response(document: dict) -> Response:
    """A ``contracts.billing.Document`` as a download."""
    response = make_response(base64.b64decode(document["content_base64"]))
    response.headers["Content-Type"] = document["content_type"]
    response.headers["Content-Disposition"] = f'attachment; filename="{document["filename"]}"'
    return response
