"""Logging in with FranceConnect, linking it to an account, and logging out through it.

The OpenID Connect work (state, nonce, tokens, signatures) is done by the extension
``app.extensions["franceconnect"]`` (:mod:`gateway.franceconnect`); these views decide what
the result means. The Flask session remembers whether the trip to FranceConnect is a login or
a link, and keeps the id_token that FranceConnect's logout needs. Any error ends on a French
page, never in a login.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from werkzeug.exceptions import NotFound as HttpNotFound

from contracts.errors import Conflict, Forbidden, Invalid
from gateway import pages, redirects, sessions
from gateway.franceconnect import FranceConnectError
from gateway.views import no_store, rpc
from gateway.views.account import overview_page
from gateway.views.auth import redirect_page

bp = Blueprint("franceconnect", __name__)

MODE = "franceconnect_mode"
LINK = "link"
REAUTH = "reauth"
REAUTH_NEXT = "franceconnect_reauth_next"
REAUTH_DONE = "Identité confirmée avec FranceConnect : vous avez 5 minutes pour poursuivre."
ERROR_TITLE = "Connexion avec FranceConnect impossible"
LINK_NEEDS_LOGIN = "Connectez-vous d'abord à votre compte pour y lier FranceConnect."


@bp.after_request
def private(response):
    return no_store(response)


def extension() -> Any:
    """The FranceConnect client; its addresses answer 404 where it is not configured."""
    franceconnect = current_app.extensions.get("franceconnect")
    if franceconnect is None or not franceconnect.enabled:
        raise HttpNotFound()
    return franceconnect


@bp.get("/auth/franceconnect/login")
def login():
    """Go to FranceConnect; a link or a re-authentication started from /compte keeps its mode."""
    franceconnect = extension()
    if flask_session.get(MODE) not in (LINK, REAUTH):
        flask_session[MODE] = "login"
    return redirect(franceconnect.authorize_url(reauthenticate=flask_session[MODE] == REAUTH))


@bp.post("/compte/franceconnect/lier")
@pages.login_required
def link():
    """Link FranceConnect to the logged-in account, after the person identifies there."""
    extension()
    flask_session[MODE] = LINK
    return redirect_page(url_for(".login"))


@bp.post("/compte/franceconnect/reidentifier")
@pages.login_required
def reauthenticate():
    """Prove again who is there with FranceConnect (``prompt=login``), then come back."""
    extension()
    flask_session[MODE] = REAUTH
    flask_session[REAUTH_NEXT] = redirects.safe_target(
        request.args.get("suite"), url_for("account.overview")
    )
    return redirect_page(url_for(".login"))


@bp.get("/auth/franceconnect/callback")
def callback():
    """FranceConnect's answer: check it, then log in or link; any failure is an error page."""
    franceconnect = extension()
    mode = flask_session.pop(MODE, "login")
    try:
        result = franceconnect.finish(request.args)
    except FranceConnectError as exc:
        return error_page(str(exc), 400)
    payload = {"identity": result.identity, "client_ip": sessions.client_ip()}
    try:
        if mode == LINK:
            return _link(payload, result.id_token)
        if mode == REAUTH:
            return _reauthenticated(result)
        return _login(payload, result.id_token)
    except Conflict as exc:
        return error_page(exc.message, 409)
    except (Forbidden, Invalid) as exc:
        return error_page(exc.message, 403 if isinstance(exc, Forbidden) else 400)


def _login(payload: dict, id_token: str):
    opened = rpc().call("accounts", "franceconnect_login", sessions.current_caller(), payload)
    sessions.begin(opened)
    flask_session[sessions.ID_TOKEN] = id_token
    return redirect(url_for("account.space"), 303)


def _link(payload: dict, id_token: str):
    if sessions.current_identity() is None:
        return error_page(LINK_NEEDS_LOGIN, 400)
    rpc().call("accounts", "link_franceconnect", sessions.current_caller(), payload)
    flask_session[sessions.ID_TOKEN] = id_token
    flash("FranceConnect est lié à votre compte.")
    return redirect(url_for("account.overview"), 303)


def _reauthenticated(result: Any):
    if sessions.current_identity() is None:
        return error_page(LINK_NEEDS_LOGIN, 400)
    proof = {
        "session_token": sessions.session_token(),
        "identity": result.identity,
        "auth_time": result.auth_time,
    }
    rpc().call("accounts", "confirm_reauthentication", sessions.current_caller(), proof)
    flash(REAUTH_DONE)
    target = flask_session.pop(REAUTH_NEXT, None)
    return redirect(redirects.safe_target(target, url_for("account.overview")), 303)


def error_page(message: str, status: int):
    page = render_template("errors/error.html", title=ERROR_TITLE, message=message, status=status)
    return page, status


@bp.post("/compte/franceconnect/delier")
@pages.login_required
def unlink():
    """Unlink FranceConnect; refused (Conflict) when it is the only way into the account."""
    try:
        rpc().call("accounts", "unlink_franceconnect", sessions.current_caller())
    except Conflict as exc:
        return overview_page(exc.message, 409)
    flash("FranceConnect n'est plus lié à votre compte.")
    return redirect(url_for("account.overview"), 303)


@bp.get("/auth/franceconnect/logout")
def logout():
    """Back from FranceConnect's logout; the portal session already ended on ``POST /deconnexion``.

    A GET never ends a session by itself (another site could trigger it): without the state
    we sent, it only leads home.
    """
    franceconnect = extension()
    state = request.args.get("state")
    if state and franceconnect.check_logout_state(state):
        return render_template("auth/logged_out.html")
    return redirect(url_for("home.index"), 303)
