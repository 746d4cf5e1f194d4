"""Server-side sessions: the ``portail_session`` cookie, who is behind it, the RPC caller.

The accounts service keeps the sessions; the browser holds only a random token in an HttpOnly,
SameSite=Lax cookie (Secure over HTTPS) that lasts as long as the browser session (the service
ends it after 2 h idle or 12 h). A request that needs to know who is there asks the service
once with ``resolve_session`` and keeps the answer on ``g``. An unknown or revoked token
clears the cookie. Every view calls services with :func:`current_caller`, never a constant.

The JSON API does not use this cookie: it is exempt from CSRF, so a cookie must give it no
authority.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask import session as flask_session

from contracts.errors import NotFound
from contracts.identity import ANONYMOUS
from gateway.views import rpc

COOKIE = "portail_session"
ID_TOKEN = "franceconnect_id_token"
"""Flask-session key of the FranceConnect id_token, needed to log out through FranceConnect."""


def init_app(app: Flask) -> None:
    """Write or clear the session cookie after each request; give templates the identity."""
    app.after_request(_write_cookie)
    app.context_processor(lambda: {"current_identity": current_identity})


def current_identity() -> dict[str, Any] | None:
    """The ``SessionIdentity`` of this request's session, or None; one RPC per request."""
    if "identity" in g:
        return g.identity
    g.identity = None
    token = request.cookies.get(COOKIE)
    if token:
        try:
            g.identity = rpc().call("accounts", "resolve_session", dict(ANONYMOUS), token)
        except NotFound:
            g.clear_session_cookie = True
    return g.identity


def current_caller() -> dict[str, Any]:
    """The RPC ``caller`` of this request: the session's account and roles, or anonymous."""
    identity = current_identity()
    if identity is None:
        return dict(ANONYMOUS, roles=[])
    return {
        "account_id": identity["account_id"],
        "roles": list(identity["roles"]),
        "family_id": identity.get("family_id"),
    }


def is_agent() -> bool:
    identity = current_identity()
    return identity is not None and identity["kind"] == "agent"


def has_role(role: str) -> bool:
    identity = current_identity()
    return identity is not None and role in identity["roles"]


def session_token() -> str:
    """The token of the session in use (the new one right after a login or password change)."""
    return g.get("new_session_token") or request.cookies.get(COOKIE, "")


def client_ip() -> str:
    """The visitor's address (ProxyFix applies ``GATEWAY_TRUSTED_PROXIES``), for rate limits."""
    return request.remote_addr or ""


def begin(opened: dict[str, Any]) -> None:
    """A login: forget everything kept before it, then use the new session (``SessionOpened``).

    Clearing the Flask session drops the CSRF token, flashes and FranceConnect state, so
    nothing an attacker planted before the login survives it.
    """
    flask_session.clear()
    replace(opened)


def replace(opened: dict[str, Any]) -> None:
    """Use a new session token for the same person (after a password change)."""
    g.new_session_token = opened["session_token"]
    g.identity = opened["identity"]
    g.clear_session_cookie = False


def end() -> None:
    """Log out: the service revokes the session, the browser forgets both cookies' contents."""
    token = request.cookies.get(COOKIE)
    if token and current_identity() is not None:
        with suppress(NotFound):  # already ended by the service: nothing left to revoke
            rpc().call("accounts", "logout", current_caller(), token)
    forget()


def forget() -> None:
    """Drop the session locally only (the service already ended it, e.g. a closed account)."""
    flask_session.clear()
    g.identity = None
    g.pop("new_session_token", None)
    g.clear_session_cookie = True


def _write_cookie(response: Response) -> Response:
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    token = g.get("new_session_token")
    if token:
        response.set_cookie(COOKIE, token, path="/", secure=secure, httponly=True, samesite="Lax")
    elif g.get("clear_session_cookie") and COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
    if token or g.get("clear_session_cookie"):
        response.headers["Cache-Control"] = "no-store"
    return response
