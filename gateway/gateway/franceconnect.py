"""The gateway's FranceConnect client: OpenID Connect authorization-code flow, FranceConnect v2.

``FranceConnect(app)`` registers itself as ``app.extensions["franceconnect"]``. Settings (Flask
config, else the environment): ``FRANCECONNECT_ISSUER``, ``FRANCECONNECT_CLIENT_ID`` and
``FRANCECONNECT_CLIENT_SECRET`` (enabled when all three are set; production refuses one or
two), ``FRANCECONNECT_SCOPES`` (by default only the claims the portal uses: names, gender for
the civility, e-mail) and ``FRANCECONNECT_ID_TOKEN_ALG`` (the signing algorithm registered with
FranceConnect for this client, ``ES256`` by default: tokens signed otherwise are refused);
redirect URIs derive from ``GATEWAY_PUBLIC_URL``.

A re-authentication (``authorize_url(reauthenticate=True)``) sends ``prompt=login`` and
remembers when it was asked; the answer is accepted only if its id_token says (``auth_time``)
that the person authenticated after that moment.

Authlib's OpenID client is not used for the login itself: its state (30 characters) and nonce
(20) are shorter than FranceConnect's 32 and its ``userinfo()`` expects JSON where
FranceConnect answers a signed JWT. Authlib's ``OAuth2Session`` exchanges the code
(``client_secret_post``); joserfc verifies both JWTs against the provider's key set.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from flask import Flask, session
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from marshmallow import ValidationError

from contracts.accounts import FranceConnectIdentity
from gateway.settings import SettingsError

log = logging.getLogger("gateway.franceconnect")

DEFAULT_SCOPES = "openid given_name family_name gender email"
REQUIRED = ("FRANCECONNECT_ISSUER", "FRANCECONNECT_CLIENT_ID", "FRANCECONNECT_CLIENT_SECRET")
ACR = "eidas1"
DEFAULT_ALGORITHM = "ES256"
ALGORITHMS = ("ES256", "RS256")
"""What FranceConnect may register for a client; only the one configured is accepted."""
HTTP_TIMEOUT = 10
LEEWAY = 30
STATE_KEY, NONCE_KEY, LOGOUT_STATE_KEY = "fc_state", "fc_nonce", "fc_logout_state"
REAUTH_KEY = "fc_reauth_asked_at"

CANCELLED = "Connexion FranceConnect annulée."
FAILED = "La connexion avec FranceConnect a échoué. Veuillez réessayer."
EXPIRED = (
    "La demande de connexion FranceConnect a expiré ou n’est pas valide. Veuillez recommencer."
)
UNAVAILABLE = "FranceConnect est momentanément indisponible. Veuillez réessayer plus tard."
REAUTH_FAILED = "FranceConnect n’a pas confirmé une nouvelle identification. Veuillez recommencer."


class FranceConnectError(Exception):
    """A FranceConnect login that must not succeed; ``message`` is French, for the page."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class FranceConnectResult:
    """The identité pivot (``contracts.accounts.FranceConnectIdentity``) and the id_token."""

    identity: dict
    id_token: str
    auth_time: int = 0
    """When the person last authenticated at FranceConnect (seconds since the epoch)."""


def _fail(message: str, reason: str) -> FranceConnectError:
    """Log the technical reason; the user only sees the French message."""
    log.warning("FranceConnect login refused: %s", reason)
    return FranceConnectError(message, reason)


class FranceConnect:
    """The client for one app; discovery and key set are fetched lazily and cached."""

    def __init__(self, app: Flask | None = None):
        self.enabled = False
        self._lock = threading.RLock()
        self._metadata: dict | None = None
        self._keys: KeySet | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the settings; in production, one or two of the three required ones is an error."""
        value = _setting_reader(app.config)
        present = [name for name in REQUIRED if value(name)]
        if present and len(present) < len(REQUIRED):
            missing = ", ".join(name for name in REQUIRED if name not in present)
            if value("PORTAL_ENV") == "production":
                raise SettingsError(f"FranceConnect is half configured: {missing} missing.")
            log.warning("FranceConnect is disabled: %s missing.", missing)
        self.enabled = len(present) == len(REQUIRED)
        self.issuer = value("FRANCECONNECT_ISSUER").rstrip("/")
        self.client_id = value("FRANCECONNECT_CLIENT_ID")
        self.client_secret = value("FRANCECONNECT_CLIENT_SECRET")
        self.scopes = value("FRANCECONNECT_SCOPES") or DEFAULT_SCOPES
        self.algorithm = value("FRANCECONNECT_ID_TOKEN_ALG") or DEFAULT_ALGORITHM
        if self.algorithm not in ALGORITHMS:
            raise SettingsError(
                f"FRANCECONNECT_ID_TOKEN_ALG must be one of {', '.join(ALGORITHMS)}, "
                f"not {self.algorithm!r}."
            )
        public = (app.config.get("PUBLIC_URL") or value("GATEWAY_PUBLIC_URL")).rstrip("/")
        public = public or "http://localhost:8000"
        self.redirect_uri = f"{public}/auth/franceconnect/callback"
        self.post_logout_redirect_uri = f"{public}/auth/franceconnect/logout"
        app.extensions["franceconnect"] = self

    # -- the three steps the views call

    def authorize_url(self, reauthenticate: bool = False) -> str:
        """Where to send the browser; state and nonce (43 characters) wait in the session.

        ``reauthenticate`` asks FranceConnect to authenticate the person again
        (``prompt=login``), even if they have a session there.
        """
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session[STATE_KEY], session[NONCE_KEY] = state, nonce
        session.pop(REAUTH_KEY, None)
        extra = {}
        if reauthenticate:
            session[REAUTH_KEY] = int(time.time())
            extra = {"prompt": "login"}
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scopes,
            "acr_values": ACR,
            "state": state,
            "nonce": nonce,
            **extra,
        }
        return f"{self.metadata()['authorization_endpoint']}?{urlencode(params)}"

    def finish(self, args: Mapping[str, str]) -> FranceConnectResult:
        """Check the callback, exchange the code, verify id_token and userinfo JWTs."""
        expected_state, nonce = session.pop(STATE_KEY, None), session.pop(NONCE_KEY, None)
        asked_at = session.pop(REAUTH_KEY, None)
        if args.get("error"):
            message = CANCELLED if args["error"] == "access_denied" else FAILED
            raise _fail(message, f"provider error {args['error']}: {args.get('error_description')}")
        if not (expected_state and nonce and _same(args.get("state"), expected_state)):
            raise _fail(EXPIRED, "state missing from the session or different")
        if not args.get("code"):
            raise _fail(FAILED, "no code in the callback")
        access_token, id_token = self._exchange(args["code"])
        claims = self._verify_id_token(id_token, nonce)
        auth_time = claims.get("auth_time")
        if asked_at is not None and not (
            isinstance(auth_time, int) and auth_time >= asked_at - LEEWAY
        ):
            raise _fail(REAUTH_FAILED, f"auth_time {auth_time!r} before the re-authentication")
        userinfo = self._verify(self._userinfo(access_token), "userinfo")
        if not _same(userinfo.get("sub"), claims["sub"]):
            raise _fail(FAILED, "userinfo sub differs from the id_token sub")
        try:
            identity = FranceConnectIdentity().load(userinfo)
        except ValidationError as error:
            raise _fail(FAILED, f"userinfo does not fit the identité pivot: {error}") from None
        auth_time = auth_time if isinstance(auth_time, int) else 0
        return FranceConnectResult(identity=identity, id_token=id_token, auth_time=auth_time)

    def logout_url(self, id_token: str) -> str:
        """FranceConnect's end-session URL; its state waits in the session."""
        state = secrets.token_urlsafe(32)
        session[LOGOUT_STATE_KEY] = state
        params = {
            "id_token_hint": id_token,
            "state": state,
            "post_logout_redirect_uri": self.post_logout_redirect_uri,
        }
        return f"{self.metadata()['end_session_endpoint']}?{urlencode(params)}"

    def check_logout_state(self, state: str | None) -> bool:
        """Whether the logout return carries the state we sent (usable once)."""
        return _same(state, session.pop(LOGOUT_STATE_KEY, None))

    # -- provider metadata and keys

    def metadata(self) -> dict:
        """The discovery document, fetched once; its issuer must be the configured one."""
        if not self.enabled:
            raise _fail(UNAVAILABLE, "FranceConnect is not configured")
        with self._lock:
            if self._metadata is None:
                document = _get_json(f"{self.issuer}/.well-known/openid-configuration")
                if document.get("issuer") != self.issuer:
                    raise _fail(UNAVAILABLE, f"discovery issuer {document.get('issuer')!r}")
                self._metadata = document
            return self._metadata

    def _key_set(self, kid: str | None) -> KeySet:
        """The provider's keys; fetched again once when a token names a kid we do not know."""
        with self._lock:
            if self._keys is None or (kid and kid not in {key.kid for key in self._keys}):
                document = _get_json(self.metadata()["jwks_uri"])
                try:
                    self._keys = KeySet.import_key_set(document)
                except (JoseError, ValueError, TypeError) as error:
                    raise _fail(UNAVAILABLE, f"unreadable key set: {error}") from None
            return self._keys

    # -- the back-channel calls

    def _exchange(self, code: str) -> tuple[str, str]:
        """Code for tokens, the client authenticated in the body (``client_secret_post``)."""
        with OAuth2Session(
            self.client_id,
            self.client_secret,
            token_endpoint_auth_method="client_secret_post",
            redirect_uri=self.redirect_uri,
            default_timeout=HTTP_TIMEOUT,
        ) as client:
            try:
                token = client.fetch_token(
                    self.metadata()["token_endpoint"], code=code, grant_type="authorization_code"
                )
            except (OAuthError, requests.RequestException, ValueError) as error:
                raise _fail(FAILED, f"token exchange failed: {error}") from None
        if not token.get("access_token") or not token.get("id_token"):
            raise _fail(FAILED, "token answer without access_token or id_token")
        return token["access_token"], token["id_token"]

    def _userinfo(self, access_token: str) -> str:
        try:
            response = requests.get(
                self.metadata()["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=HTTP_TIMEOUT,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            raise _fail(FAILED, f"userinfo failed: {error}") from None
        if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
            raise _fail(FAILED, f"userinfo is {response.headers.get('Content-Type')!r}, not a JWT")
        return response.text.strip()

    def _verify_id_token(self, id_token: str, nonce: str) -> dict:
        claims = self._verify(id_token, "id_token", essential=("sub", "exp", "iat", "nonce"))
        if not _same(claims.get("nonce"), nonce):
            raise _fail(FAILED, "id_token nonce differs from the one sent")
        if claims.get("acr") != ACR:
            raise _fail(FAILED, f"id_token acr is {claims.get('acr')!r}")
        return claims

    def _verify(self, token: str, what: str, essential: tuple[str, ...] = ("sub",)) -> dict:
        """Signature (the registered algorithm, the provider's keys), then iss, aud and times."""
        try:
            kid = jws.extract_compact(token.encode()).headers().get("kid")
            decoded = jwt.decode(token, self._key_set(kid), algorithms=[self.algorithm])
            registry = jwt.JWTClaimsRegistry(
                leeway=LEEWAY,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                **{name: {"essential": True} for name in essential},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise _fail(FAILED, f"{what} rejected: {error!r}") from None
        return decoded.claims


def _setting_reader(config: Mapping):
    """A setting from the Flask config, else from the environment, else empty."""
    return lambda name: str(config.get(name) or os.environ.get(name, "") or "")


def _same(given: str | None, expected: str | None) -> bool:
    """Constant-time equality of two non-empty strings."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise _fail(UNAVAILABLE, f"GET {url} failed: {error}") from None
    if not isinstance(document, dict):
        raise _fail(UNAVAILABLE, f"GET {url} is not a JSON object")
    return document
