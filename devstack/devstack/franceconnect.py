"""A FranceConnect-shaped test provider (OpenID Connect, as FranceConnect v2 speaks it).

Run it with ``python -m devstack.franceconnect`` (http://localhost:8200/api/v2, the local
gateway's client id, secret and URIs by default; ``--help`` lists the options). It enforces
what the real one enforces: known client, registered redirect and logout URIs,
``response_type=code``, ``openid`` scope, ``acr_values=eidas1``, state and nonce of at least
32 characters, ``client_secret_post``, single-use codes (60 s), access tokens (60 s), ES256
id_token and userinfo JWT. The login page (French) offers fixture identities and a refusal.

Endpoints under the issuer's path (``/api/v2``): ``.well-known/openid-configuration``,
``authorize``, ``login`` (the page's form), ``token``, ``userinfo``, ``jwks``, ``session/end``.

Test hooks, only with ``create_app(..., test_hooks=True)`` (CLI: ``--test-hooks``):
``POST /_test/mode`` with ``{"mode": "normal" | "wrong_key" | "bad_nonce" | "sub_mismatch" |
"access_denied" | "rs256" | "stale_auth_time"}``, ``GET /_test/mode``, ``GET /_test/last-logout``
(``called``, then ``accepted``, ``id_token_hint``, ``state``, ``post_logout_redirect_uri`` of the
last call) and ``GET /_test/last-authorize`` (the parameters of the last authorize request).

The provider keeps no session of its own: every authorize request shows the login page, so
``prompt=login`` (authenticate again) is always honoured, and the id_token's ``auth_time`` is
the moment the identity was chosen on that page.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import signal
import threading
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)
from werkzeug.serving import make_server

from devstack import franceconnect_state as fcs
from devstack.franceconnect_state import ProviderSettings, ProviderState

log = logging.getLogger("devstack.franceconnect")

bp = Blueprint("franceconnect", __name__)
hooks = Blueprint("franceconnect_test", __name__, url_prefix="/_test")


def create_app(settings: ProviderSettings | Mapping | None = None, test_hooks: bool = False):
    """The provider as a Flask app; ``settings`` may be a ``ProviderSettings`` or its fields."""
    if not isinstance(settings, ProviderSettings):
        settings = ProviderSettings(**dict(settings or {}))
    app = Flask(__name__)
    app.extensions["franceconnect_provider"] = ProviderState(settings)
    app.register_blueprint(bp, url_prefix=urlsplit(settings.issuer).path.rstrip("/"))
    if test_hooks:
        app.register_blueprint(hooks)
    return app


def _state() -> ProviderState:
    return current_app.extensions["franceconnect_provider"]


def _settings() -> ProviderSettings:
    return _state().settings


def _with_query(uri: str, params: dict) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def _error_page(message: str, status: int = 400):
    return render_template("franceconnect/error.html", message=message), status


def _oauth_error(error: str, description: str, status: int = 400):
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/openid-configuration")
def discovery():
    issuer = _settings().issuer
    return jsonify(
        issuer=issuer,
        authorization_endpoint=f"{issuer}/authorize",
        token_endpoint=f"{issuer}/token",
        userinfo_endpoint=f"{issuer}/userinfo",
        jwks_uri=f"{issuer}/jwks",
        end_session_endpoint=f"{issuer}/session/end",
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        scopes_supported=["openid", *fcs.SCOPE_CLAIMS],
        claims_supported=["sub", *fcs.PIVOT, "email", "preferred_name"],
        acr_values_supported=[fcs.ACR],
        subject_types_supported=["pairwise"],
        token_endpoint_auth_methods_supported=["client_secret_post"],
        id_token_signing_alg_values_supported=[fcs.ALGORITHM],
        userinfo_signing_alg_values_supported=[fcs.ALGORITHM],
    )


@bp.get("/jwks")
def jwks():
    return jsonify(_state().jwks())


def authorize_error(args: Mapping) -> tuple[str, str] | None:
    """Why an authorize request from a known client and redirect URI is refused, if it is."""
    if args.get("response_type") != "code":
        return "unsupported_response_type", "response_type doit valoir « code »."
    if "openid" not in args.get("scope", "").split():
        return "invalid_scope", "Le scope doit contenir « openid »."
    if args.get("acr_values") != fcs.ACR:
        return "invalid_request", f"acr_values doit valoir « {fcs.ACR} »."
    for name in ("state", "nonce"):
        if len(args.get(name, "")) < fcs.MIN_STATE_LENGTH:
            return "invalid_request", f"{name} doit comporter au moins 32 caractères."
    return None


@bp.get("/authorize")
def authorize():
    settings, args = _settings(), request.args
    if args.get("client_id") != settings.client_id:
        return _error_page("Fournisseur de service inconnu (client_id).")
    redirect_uri = args.get("redirect_uri", "")
    if redirect_uri not in settings.redirect_uris:
        return _error_page("Adresse de retour (redirect_uri) non enregistrée.")
    refusal = authorize_error(args)
    if refusal is None and _state().mode == "access_denied":
        refusal = ("access_denied", "L’usager a refusé la connexion.")
    if refusal is not None:
        error, description = refusal
        params = {"error": error, "error_description": description, "state": args.get("state")}
        return redirect(_with_query(redirect_uri, params))
    _state().record_authorize(dict(args))
    keys = ("redirect_uri", "scope", "state", "nonce")
    interaction = _state().start_interaction({k: args[k] for k in keys})
    return render_template(
        "franceconnect/login.html", identities=fcs.IDENTITIES, interaction=interaction
    )


@bp.post("/login")
def login():
    """The login page's answer: a code for the chosen identity, or ``access_denied``."""
    params = _state().take_interaction(request.form.get("interaction", ""))
    if params is None:
        return _error_page("Cette demande de connexion a expiré : recommencez depuis le site.")
    identity = request.form.get("identity", "")
    if "refuse" in request.form or identity not in fcs.IDENTITIES:
        refusal = {"error": "access_denied", "error_description": "L’usager a refusé la connexion."}
        return redirect(_with_query(params["redirect_uri"], {**refusal, "state": params["state"]}))
    code = _state().issue_code(params, identity)
    return redirect(_with_query(params["redirect_uri"], {"code": code, "state": params["state"]}))


@bp.post("/token")
def token():
    settings, form = _settings(), request.form
    secret = form.get("client_secret", "").encode()
    if form.get("client_id") != settings.client_id or not hmac.compare_digest(
        secret, settings.client_secret.encode()
    ):
        return _oauth_error("invalid_client", "Client inconnu ou secret invalide.", 401)
    if form.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "Seul authorization_code est accepté.")
    grant = _state().redeem_code(form.get("code", ""), form.get("redirect_uri", ""))
    if grant is None:
        return _oauth_error("invalid_grant", "Code inconnu, expiré, déjà utilisé ou autre URI.")
    response = jsonify(_state().issue_tokens(grant))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
    body = _state().userinfo(access_token) if scheme.lower() == "bearer" else None
    if body is None:
        response = Response("", status=401)
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return Response(body, mimetype="application/jwt", headers={"Cache-Control": "no-store"})


@bp.get("/session/end")
def end_session():
    """Logout: a registered post-logout URI, one of our id_tokens and a state are required."""
    keys = ("id_token_hint", "state", "post_logout_redirect_uri")
    params = {k: request.args.get(k, "") for k in keys}
    accepted = (
        params["post_logout_redirect_uri"] in _settings().post_logout_redirect_uris
        and len(params["state"]) >= fcs.MIN_STATE_LENGTH
        and _state().is_own_id_token(params["id_token_hint"])
    )
    _state().record_logout(params, accepted)
    if not accepted:
        return _error_page("Déconnexion refusée : paramètres invalides ou adresse non enregistrée.")
    return redirect(_with_query(params["post_logout_redirect_uri"], {"state": params["state"]}))


@hooks.post("/mode")
def set_mode():
    mode = (request.get_json(silent=True) or {}).get("mode")
    if mode not in fcs.MODES:
        return jsonify(error=f"mode must be one of {', '.join(fcs.MODES)}"), 400
    _state().set_mode(mode)
    return jsonify(mode=mode)


@hooks.get("/mode")
def get_mode():
    return jsonify(mode=_state().mode)


@hooks.get("/last-logout")
def last_logout():
    return jsonify(_state().last_logout())


@hooks.get("/last-authorize")
def last_authorize():
    return jsonify(_state().last_authorize())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.franceconnect",
        description="FranceConnect-shaped OpenID Connect test provider.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--issuer", default=fcs.DEFAULT_ISSUER)
    parser.add_argument("--client-id", default=fcs.DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=fcs.DEFAULT_CLIENT_SECRET)
    parser.add_argument("--redirect-uri", action="append", dest="redirect_uris")
    parser.add_argument("--post-logout-redirect-uri", action="append", dest="logout_uris")
    parser.add_argument("--test-hooks", action="store_true", help="enable /_test/* (tests only)")
    args = parser.parse_args(argv)
    settings = ProviderSettings(
        issuer=args.issuer.rstrip("/"),
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=tuple(args.redirect_uris or [fcs.DEFAULT_REDIRECT_URI]),
        post_logout_redirect_uris=tuple(args.logout_uris or [fcs.DEFAULT_POST_LOGOUT_URI]),
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = make_server(args.host, args.port, create_app(settings, args.test_hooks), threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log.info(
        "FranceConnect (fournisseur de test) : %s (client %s)", settings.issuer, args.client_id
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        log.info("Arrêt / stopped")


if __name__ == "__main__":
    main()
