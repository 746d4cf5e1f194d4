"""The sensitive account pages: e-mail, password, data export and closing the account.

They live on the ``account`` blueprint (login required, not cached). The current password is
asked only when the account has one (an account opened with FranceConnect may not).
"""

from __future__ import annotations

import json

from flask import Response, flash, redirect, request, url_for

from contracts.accounts import ChangePassword
from contracts.errors import Forbidden, Invalid, TooManyRequests
from gateway import pages, sessions
from gateway.errors import with_retry_after
from gateway.views import rpc
from gateway.views.account import bp, get_account, timeline
from gateway.views.family_dossier import family_dossiers

EMAIL_LABELS = {"new_email": "Nouvelle adresse e-mail", "current_password": "Mot de passe actuel"}
PASSWORD_LABELS = {
    "current_password": "Mot de passe actuel",
    "new_password": "Nouveau mot de passe",
    "new_password_confirmation": "Confirmation du nouveau mot de passe",
}
CLOSE_LABELS = {"confirm": "Confirmation", "current_password": "Mot de passe actuel"}
EXPORT_NAME = "mes-donnees-portail-citoyen.json"


@bp.route("/compte/email", methods=["GET", "POST"])
def email():
    """Change the e-mail: a link goes to the new address, which applies when it is opened."""
    account = get_account()
    values = pages.text_values(request.form, ("new_email",))
    if request.method == "GET":
        return _page("account/email.html", EMAIL_LABELS, values, account)
    change = {**values, **_proof()}
    try:
        rpc().call("accounts", "change_email", sessions.current_caller(), change)
    except Invalid as exc:
        return _refused("account/email.html", EMAIL_LABELS, values, account, exc)
    except (Forbidden, TooManyRequests) as exc:
        status = pages.refusal_status(exc)
        page = _page("account/email.html", EMAIL_LABELS, values, account, exc.message, status)
        return with_retry_after(page, exc)
    flash(
        f"Un lien de confirmation a été envoyé à {values['new_email']}. "
        "Votre adresse changera quand vous l'aurez ouvert."
    )
    return redirect(url_for(".overview"), 303)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
def password():
    """Change (or set) the password: every other session ends, this one gets a new token."""
    account = get_account()
    if request.method == "GET":
        return _page("account/password.html", PASSWORD_LABELS, {}, account)
    form = request.form
    extra = pages.new_password_errors(
        form, "new_password", "new_password_confirmation", account.get("email", "")
    )
    raw = {
        "current_password": form.get("current_password", ""),
        "new_password": form.get("new_password", ""),
        "session_token": sessions.session_token(),
    }
    try:
        payload = pages.validate(ChangePassword(), raw, extra)
        opened = rpc().call("accounts", "change_password", sessions.current_caller(), payload)
    except Invalid as exc:
        return _refused("account/password.html", PASSWORD_LABELS, {}, account, exc)
    except (Forbidden, TooManyRequests) as exc:
        status = pages.refusal_status(exc)
        page = _page("account/password.html", PASSWORD_LABELS, {}, account, exc.message, status)
        return with_retry_after(page, exc)
    sessions.replace(opened)
    flash("Mot de passe modifié. Vos autres sessions ont été fermées.")
    return redirect(url_for(".overview"), 303)


@bp.get("/compte/donnees.json")
def export():
    """Everything the portal keeps about the person, with their démarches, as a JSON file."""
    caller = sessions.current_caller()
    data = rpc().call("accounts", "export_data", caller)
    data["requests"] = timeline(caller)
    data["families"] = family_dossiers(caller)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{EXPORT_NAME}"'
    return response


@bp.route("/compte/cloturer", methods=["GET", "POST"])
def close():
    """Close the account after a ticked confirmation (and the password when it has one)."""
    account = get_account()
    if request.method == "GET":
        return _page("account/close.html", CLOSE_LABELS, {}, account)
    values = {"confirm": pages.checked(request.form, "confirm")}
    closing = {**values, **_proof()}
    try:
        rpc().call("accounts", "close_account", sessions.current_caller(), closing)
    except Invalid as exc:
        return _refused("account/close.html", CLOSE_LABELS, values, account, exc)
    except (Forbidden, TooManyRequests) as exc:
        status = pages.refusal_status(exc)
        page = _page("account/close.html", CLOSE_LABELS, values, account, exc.message, status)
        return with_retry_after(page, exc)
    sessions.forget()
    flash("Votre compte est clôturé et vous êtes déconnecté. Merci d'avoir utilisé le portail.")
    return redirect(url_for("home.index"), 303)


def _proof() -> dict:
    """What proves who is there: the current password, or the session where FranceConnect
    re-authenticated an account that has no password."""
    return {
        "current_password": request.form.get("current_password", ""),
        "session_token": sessions.session_token(),
    }


def _page(template, labels, values, account, message=None, status=None):
    return pages.form_page(template, labels, values, None, message, status, account=account)


def _refused(template, labels, values, account, exc: Invalid):
    return pages.invalid_page(template, labels, values, exc, account=account)
