"""The payment provider's addresses (ARCHITECTURE §8): its server's notifications and the
citizen's browser coming back.

``POST /payments/<provider>/notify`` passes the raw body to the billing service, which stores
it, verifies it and answers what the provider expects; the gateway believes nothing in it.
``GET|POST /payments/<provider>/return`` only sends the browser to the page that shows the
payment's status as the billing service knows it: the return proves nothing either.
Both are exempt from CSRF (the provider posts them); the return reads only the attempt the
browser started last from Flask's signed cookie.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, session, url_for

from contracts import billing
from contracts.identity import ANONYMOUS
from gateway import metrics
from gateway.views import rpc

bp = Blueprint("payments", __name__)

ORDER_FIELDS = ("vads_order_id",)
"""Where the provider names the order (our payment attempt) when the browser comes back;
PayFiP does not, so the attempt the browser started last (kept in its session) is shown."""


@bp.post("/payments/<provider>/notify")
def notify(provider: str) -> Response:
    if provider not in billing.PROVIDERS:
        abort(404)
    payload = {
        "body": request.get_data(as_text=True),
        "content_type": request.content_type or "",
        "query_string": request.query_string.decode("latin-1"),
    }
    try:
        answer = rpc().call(billing.SERVICE, "record_notification", ANONYMOUS, provider, payload)
    except Exception:  # billing unavailable: the provider retries; the alert counts it
        metrics.record_payment_callback(provider, "error")
        raise
    metrics.record_payment_callback(provider, answer.get("outcome", "accepted"))
    return Response(answer["body"], answer["status"], content_type=answer["content_type"])


@bp.route("/payments/<provider>/return", methods=["GET", "POST"])
def browser_return(provider: str) -> Response:
    if provider not in billing.PROVIDERS:
        abort(404)
    values = request.values
    attempt_id = next((values[name] for name in ORDER_FIELDS if values.get(name)), None)
    attempt_id = attempt_id or session.get("payment_attempt")
    if not attempt_id or not attempt_id.isalnum():
        return redirect(url_for("billing.invoices"), 303)
    return redirect(url_for("billing.attempt", attempt_id=attempt_id), 303)
