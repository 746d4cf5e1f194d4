"""Creating an account, confirming its e-mail, and resetting a forgotten password.

These pages answer the same way whether an account exists or not: the accounts service
decides what to e-mail. The links of those e-mails come back to ``/compte/confirmation`` and
``/mot-de-passe/nouveau`` with the token as ``jeton``. A reset never logs in by itself.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from contracts.accounts import CIVILITIES, Register, RequestPasswordReset, ResetPassword
from contracts.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from gateway import pages, sessions
from gateway.errors import with_retry_after
from gateway.views import no_store, rpc

bp = Blueprint("registration", __name__)

PROFILE_LABELS = {
    "civility": "Civilité",
    "given_name": "Prénom",
    "family_name": "Nom",
    "street": "Adresse",
    "postal_code": "Code postal",
    "city": "Ville",
    "phone": "Téléphone",
}
REGISTER_LABELS = {
    "email": "Adresse e-mail",
    "password": "Mot de passe",
    "password_confirmation": "Confirmation du mot de passe",
    **PROFILE_LABELS,
    "email_notifications": "Informations par e-mail",
}
FORGOTTEN_LABELS = {"email": "Adresse e-mail"}
RESET_LABELS = {
    "password": "Nouveau mot de passe",
    "password_confirmation": "Confirmation du mot de passe",
}
RESET_SENT = "Si un compte existe pour cette adresse, un e-mail vient d'être envoyé."
RESET_DONE = "Mot de passe modifié : connectez-vous."
BAD_LINK = "Ce lien n'est pas valide : il a déjà servi, il a expiré ou il est incomplet."


@bp.after_request
def private(response):
    return no_store(response)


@bp.route("/compte/creer", methods=["GET", "POST"])
def register():
    """The registration form; after a POST the same "check your mailbox" page for everyone."""
    if request.method == "GET":
        return _register_page({"email_notifications": True})
    values = pages.text_values(request.form, ("email", *PROFILE_LABELS))
    values["email_notifications"] = pages.checked(request.form, "email_notifications")
    extra = pages.new_password_errors(
        request.form, "password", "password_confirmation", values["email"]
    )
    try:
        raw = {**values, "password": _password(), "client_ip": sessions.client_ip()}
        payload = pages.validate(Register(), raw, extra)
        rpc().call("accounts", "register", sessions.current_caller(), payload)
    except Invalid as exc:
        return pages.invalid_page("auth/register.html", REGISTER_LABELS, values, exc, **_choices())
    except (Forbidden, TooManyRequests) as exc:
        page = _register_page(values, exc.message, pages.refusal_status(exc))
        return with_retry_after(page, exc)
    return render_template("auth/register_sent.html", email=values["email"])


def _register_page(values: dict, message: str | None = None, status: int | None = None):
    return pages.form_page(
        "auth/register.html", REGISTER_LABELS, values, None, message, status, **_choices()
    )


def _choices() -> dict:
    return {"civilities": CIVILITIES}


def _password() -> str:
    return request.form.get("password", "")


@bp.get("/compte/confirmation")
def confirm_email():
    """The link of the verification e-mail: confirm the address, or say clearly why not."""
    token = request.args.get("jeton", "").strip()
    if not token:
        return render_template("auth/confirmed.html", error=BAD_LINK), 400
    try:
        account = rpc().call(
            "accounts", "verify_email", sessions.current_caller(), token, sessions.client_ip()
        )
    except NotFound as exc:
        return render_template("auth/confirmed.html", error=exc.message or BAD_LINK), 404
    except Forbidden as exc:
        return render_template("auth/confirmed.html", error=exc.message or BAD_LINK), 403
    except Conflict as exc:  # the new address was taken meanwhile
        return render_template("auth/confirmed.html", error=exc.message or BAD_LINK), 409
    return render_template("auth/confirmed.html", error=None, email=account["email"])


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgotten_password():
    """Ask for a reset link; the answer never tells whether the address has an account."""
    values = pages.text_values(request.form, ("email",))
    if request.method == "GET":
        return pages.form_page("auth/forgotten.html", FORGOTTEN_LABELS, values)
    try:
        payload = pages.validate(
            RequestPasswordReset(), {**values, "client_ip": sessions.client_ip()}
        )
        rpc().call("accounts", "request_password_reset", sessions.current_caller(), payload)
    except Invalid as exc:
        return pages.invalid_page("auth/forgotten.html", FORGOTTEN_LABELS, values, exc)
    except (Forbidden, TooManyRequests) as exc:
        status = pages.refusal_status(exc)
        page = pages.form_page(
            "auth/forgotten.html", FORGOTTEN_LABELS, values, None, exc.message, status
        )
        return with_retry_after(page, exc)
    return render_template("auth/forgotten_sent.html", message=RESET_SENT)


@bp.route("/mot-de-passe/nouveau", methods=["GET", "POST"])
def reset_password():
    """Choose a new password from the e-mailed link; then log in with it (no automatic login)."""
    token = request.args.get("jeton", "").strip()
    context = {"token": token}
    if not token:
        return pages.form_page("auth/reset.html", RESET_LABELS, {}, None, BAD_LINK, 400, **context)
    if request.method == "GET":
        return pages.form_page("auth/reset.html", RESET_LABELS, {}, **context)
    extra = pages.new_password_errors(request.form, "password", "password_confirmation")
    try:
        payload = pages.validate(ResetPassword(), {"token": token, "password": _password()}, extra)
        rpc().call("accounts", "reset_password", sessions.current_caller(), payload)
    except Invalid as exc:
        return pages.invalid_page("auth/reset.html", RESET_LABELS, {}, exc, **context)
    except (NotFound, Forbidden) as exc:
        status = 404 if isinstance(exc, NotFound) else 403
        message = exc.message or BAD_LINK
        return pages.form_page(
            "auth/reset.html", RESET_LABELS, {}, None, message, status, **context
        )
    flash(RESET_DONE)
    return redirect(url_for("auth.login"), 303)
