"""Citizen pages of the salle des fêtes (``contracts.hall``): the month's availability and the
prices, the request form with its insurance certificate (account holders: the rent is
invoiced to the account), and the request's page."""

from __future__ import annotations

import base64
import posixpath
from datetime import date

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for

from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Forbidden, Invalid
from contracts.hall import EVENT_KINDS, PERIOD_LABELS, euros
from gateway import pages, sessions
from gateway.views import no_store, rpc

bp = Blueprint("hall", __name__, url_prefix="/salle-des-fetes")

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
TOO_BIG = "L'attestation dépasse 5 Mo."
LABELS = {
    "day": "Date",
    "period": "Créneau",
    "event_kind": "Type d'événement",
    "guests": "Nombre de personnes",
    "requester": "Nom et prénom",
    "email": "Adresse e-mail",
    "insurance": "Attestation d'assurance",
}


def shown_month() -> str:
    asked = request.args.get("mois", "")
    try:
        return f"{date.fromisoformat(f'{asked}-01'):%Y-%m}"
    except ValueError:
        return ""


@bp.get("")
def availability():
    """The free periods of each day of a month, from the first day one may ask for."""
    caller = sessions.current_caller()
    month = shown_month()
    if not month:
        first = rpc().call("requests", "hall_availability", caller, f"{paris_today():%Y-%m}")
        month = first["first_day"][:7]
    found = rpc().call("requests", "hall_availability", caller, month)
    year, number = (int(part) for part in month.split("-"))
    previous = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
    following = f"{year + (number == 12)}-{number % 12 + 1:02d}"
    labels = {p["code"]: p["label"] for p in found["periods"]}
    days = [d for d in found["days"] if found["first_day"] <= d["day"] <= found["last_day"]]
    return render_template(
        "hall/availability.html",
        found=found,
        days=days,
        labels=labels,
        prices={
            (p["resident"], p["weekend"], p["full_day"]): p["amount_cents"] for p in found["prices"]
        },
        euros=euros,
        previous=previous if previous >= found["first_day"][:7] else None,
        following=following if following <= found["last_day"][:7] else None,
    )


@bp.route("/demande", methods=["GET", "POST"])
@pages.login_required
def new_request():
    """The request form; on POST send it with the certificate and show the request."""
    if request.method == "GET":
        values = {"day": request.args.get("jour", ""), "period": request.args.get("creneau", "")}
        return _form_page({**_prefill(), **values})
    names = ("day", "period", "event_kind", "guests", "requester", "email")
    values = pages.text_values(request.form, names)
    values["resident"] = pages.checked(request.form, "resident")
    certificate, error = _certificate()
    if error:
        return _form_page(
            values, Invalid("Le formulaire contient des erreurs.", {"insurance": [error]})
        )
    payload = {**values, "insurance": certificate}
    try:
        sent = rpc().call("requests", "request_hall", sessions.current_caller(), payload)
    except Invalid as exc:
        return _form_page(values, exc)
    except Forbidden as exc:
        return _form_page(values, message=exc.message, status=403)
    return redirect(url_for(".booking", reference=sent["reference"], nouveau=1), 303)


def _certificate() -> tuple[dict | None, str | None]:
    storage = request.files.get("insurance")
    if storage is None or not storage.filename:
        return None, None
    content = storage.stream.read(MAX_CERTIFICATE_BYTES + 1)
    if len(content) > MAX_CERTIFICATE_BYTES:
        return None, TOO_BIG
    filename = posixpath.basename(storage.filename.replace("\\", "/"))[-255:]
    return {"filename": filename, "data": base64.b64encode(content).decode("ascii")}, None


def _prefill() -> dict:
    account = rpc().call("accounts", "get_account", sessions.current_caller())
    return {
        "email": account["email"],
        "requester": f"{account['given_name']} {account['family_name']}".strip(),
    }


def _form_page(values: dict, exc: Invalid | None = None, message=None, status=None):
    context = {"kinds": EVENT_KINDS, "periods": PERIOD_LABELS, "summary_title": None}
    if exc is not None:
        return pages.invalid_page("hall/request.html", LABELS, values, exc, **context)
    return pages.form_page("hall/request.html", LABELS, values, None, message, status, **context)


@bp.get("/demande/<reference>")
@pages.login_required
def booking(reference: str):
    found = rpc().call("requests", "get_hall_booking", sessions.current_caller(), reference)
    page = render_template(
        "hall/booking.html", found=found, euros=euros, is_new=request.args.get("nouveau") == "1"
    )
    return no_store(make_response(page))


@bp.post("/demande/<reference>/annuler")
@pages.login_required
def cancel(reference: str):
    """The requester withdraws a request the town has not answered yet."""
    try:
        rpc().call("requests", "cancel_hall_booking", sessions.current_caller(), reference)
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash("Votre demande est annulée : la date reste libre pour d'autres.")
    return redirect(url_for(".booking", reference=reference), 303)
