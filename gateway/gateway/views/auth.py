"""Logging in with an e-mail and a password, and logging out.

The accounts service checks the password, rate-limits per IP and per account, and answers
``Forbidden`` with one generic French message that does not reveal whether the account
exists: the login page shows it as given, keeps the typed e-mail and never the password.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session

from contracts.errors import Forbidden, Invalid
from gateway import pages, redirects, sessions
from gateway.franceconnect import FranceConnectError
from gateway.views import no_store, rpc

bp = Blueprint("auth", __name__)

LABELS = {"email": "Adresse e-mail", "password": "Mot de passe"}
LOGIN_FAILED = "Connexion impossible"
LOGGED_OUT = "Vous êtes déconnecté."


@bp.after_request
def private(response):
    return no_store(response)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Open a session with the accounts service, then go back where the visitor was going."""
    values = {"email": (request.form.get("email") or "").strip()}
    if request.method == "GET":
        return login_page(values)
    try:
        opened = rpc().call("accounts", "login", sessions.current_caller(), credentials(values))
    except Invalid as exc:
        return pages.invalid_page("auth/login.html", LABELS, values, exc, **login_context())
    except Forbidden as exc:
        return login_page(values, exc.message, 403)
    sessions.begin(opened)
    default = url_for(
        "agents.reports" if opened["identity"]["kind"] == "agent" else "account.space"
    )
    return redirect(redirects.safe_target(request.args.get("suite"), default), 303)


def credentials(values: dict) -> dict:
    """The ``contracts.accounts.Login`` payload: the password exactly as typed."""
    return {
        "email": values["email"],
        "password": request.form.get("password", ""),
        "client_ip": sessions.client_ip(),
    }


def login_page(values: dict, message: str | None = None, status: int | None = None):
    return pages.form_page(
        "auth/login.html", LABELS, values, None, message, status, **login_context()
    )


def login_context() -> dict:
    franceconnect = current_app.extensions.get("franceconnect")
    return {
        "franceconnect_enabled": bool(franceconnect and franceconnect.enabled),
        "summary_title": LOGIN_FAILED,
    }


@bp.post("/deconnexion")
def logout():
    """End the session here and now; one opened through FranceConnect then ends there too.

    The portal session is revoked by this POST, before the browser is sent to FranceConnect's
    logout: a visitor who never reaches FranceConnect (closed tab, provider down) is logged
    out of the portal all the same.
    """
    id_token = flask_session.get(sessions.ID_TOKEN)
    sessions.end()
    franceconnect = current_app.extensions.get("franceconnect")
    if id_token and franceconnect is not None and franceconnect.enabled:
        try:
            return redirect_page(franceconnect.logout_url(id_token))
        except FranceConnectError:
            pass  # the portal session is over; FranceConnect's own ends with its expiry
    flash(LOGGED_OUT)
    return redirect(url_for("home.index"), 303)


def redirect_page(target: str):
    """A page that moves on to ``target`` by itself (meta refresh) with a link as fallback.

    A redirect answering a form would carry on to FranceConnect's site, which the CSP
    ``form-action 'self'`` forbids in Chromium; a navigation started by the page is allowed.
    """
    return no_store(current_app.make_response(render_template("auth/redirect.html", target=target)))
