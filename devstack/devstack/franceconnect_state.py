"""What the FranceConnect test provider knows: settings, fixture identities, codes, tokens, keys.

Everything lives in memory behind one lock, so the provider forgets it all on restart; only
the ``sub`` of an identity is stable (derived from the client id), as a real pairwise ``sub``
is, so a second local run finds the same account again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
import time

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

ACR = "eidas1"
ALGORITHM = "ES256"
CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 60
ID_TOKEN_LIFETIME = 60
INTERACTION_LIFETIME = 600
MIN_STATE_LENGTH = 32
MODES = (
    "normal",
    "wrong_key",
    "bad_nonce",
    "sub_mismatch",
    "access_denied",
    "rs256",
    "stale_auth_time",
)
"""``rs256`` signs with a published RSA key under RS256 (an algorithm the client did not
register); ``stale_auth_time`` says the person authenticated an hour ago."""
STALE_AUTH_SECONDS = 3600

DEFAULT_ISSUER = "http://localhost:8200/api/v2"
DEFAULT_CLIENT_ID = "portail-caluire-local"
DEFAULT_CLIENT_SECRET = "secret-local-franceconnect"
DEFAULT_REDIRECT_URI = "http://localhost:8000/auth/franceconnect/callback"
DEFAULT_POST_LOGOUT_URI = "http://localhost:8000/auth/franceconnect/logout"

PIVOT = ("given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry")
SCOPE_CLAIMS = {name: (name,) for name in (*PIVOT, "email", "preferred_name")} | {
    "identite_pivot": PIVOT,
    "profile": ("given_name", "family_name", "birthdate", "gender", "preferred_name"),
    "birth": ("birthdate", "birthplace", "birthcountry"),
}


def _person(given, family, birthdate, gender, birthplace, birthcountry, email, description):
    claims = dict(
        zip(PIVOT, (given, family, birthdate, gender, birthplace, birthcountry), strict=True)
    )
    return {"claims": {**claims, "email": email, "preferred_name": ""}, "description": description}


IDENTITIES = {
    "angela": _person(
        "Angela Claire Louise", "DUBOIS", "1962-08-24", "female", "75107", "99100",
        "angela.dubois@example.org", "Née le 24 août 1962 à Paris 7e (75107), France",
    ),
    "pierre": _person(
        "Pierre Kenji", "MARTIN", "1985-03-12", "male", "", "99217",
        "pierre.martin@example.org", "Né le 12 mars 1985 à l’étranger : Japon (99217)",
    ),
    "fatoumata": _person(
        "Fatoumata", "DIALLO", "1979-01-01", "female", "", "99341",
        "fatoumata.diallo@example.org",
        "Date de naissance présumée (1979-01-01), née au Sénégal (99341)",
    ),
    "jean-pierre": _person(
        "Jean-Pierre", "MOREL", "1990-11-05", "male", "69034", "99100",
        "jean-pierre.morel@example.org", "Né le 5 novembre 1990 à Caluire-et-Cuire (69034)",
    ),
}  # fmt: skip
"""Fixture identities the login page offers, by key."""


@dataclasses.dataclass(frozen=True)
class ProviderSettings:
    """The client the provider knows (one, as a FranceConnect integration account has)."""

    issuer: str = DEFAULT_ISSUER
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    redirect_uris: tuple[str, ...] = (DEFAULT_REDIRECT_URI,)
    post_logout_redirect_uris: tuple[str, ...] = (DEFAULT_POST_LOGOUT_URI,)


@dataclasses.dataclass(frozen=True)
class Grant:
    """What an authorization code, then an access token, stands for."""

    redirect_uri: str
    nonce: str
    scope: str
    identity: str
    expires_at: float
    auth_time: int = 0
    """When the person authenticated on the login page (the id_token's ``auth_time``)."""


def requested_claims(scope: str) -> list[str]:
    """Claims of the identity that the scopes ask for, in a stable order."""
    names = {claim for word in scope.split() for claim in SCOPE_CLAIMS.get(word, ())}
    return [name for name in (*PIVOT, "email", "preferred_name") if name in names]


def pairwise_sub(client_id: str, identity: str) -> str:
    """A ``sub`` shaped like FranceConnect's (64 hex digits then ``v1``), stable per client."""
    return hashlib.sha256(f"{client_id}:{identity}".encode()).hexdigest() + "v1"


class ProviderState:
    """Keys, pending logins, codes, access tokens, the test mode and the last logout."""

    def __init__(self, settings: ProviderSettings):
        self.settings = settings
        params = {"use": "sig", "alg": ALGORITHM}
        self.key = ECKey.generate_key("P-256", params, auto_kid=True)
        self.other_key = ECKey.generate_key("P-256", params, auto_kid=True)
        rsa = {"use": "sig", "alg": "RS256"}
        self.rsa_key = RSAKey.generate_key(2048, rsa, auto_kid=True)
        self._lock = threading.Lock()
        self._mode = "normal"
        self._interactions: dict[str, tuple[dict, float]] = {}
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, Grant] = {}
        self._last_logout: dict = {"called": False}
        self._last_authorize: dict = {}

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            self._mode = mode

    def jwks(self) -> dict:
        """The published key set: the public half of ``key`` only."""
        keys = (self.key, self.rsa_key)
        return {"keys": [key.as_dict(private=False) for key in keys]}

    def _put(self, table: dict, value) -> str:
        """Store ``value`` under a new random handle, dropping what has expired meanwhile."""
        now = time.time()
        with self._lock:
            for stale in [k for k, v in table.items() if _expiry(v) < now]:
                del table[stale]
            handle = secrets.token_urlsafe(32)
            table[handle] = value
            return handle

    def start_interaction(self, params: dict) -> str:
        """Remember a validated authorize request while the user picks an identity."""
        return self._put(self._interactions, (dict(params), time.time() + INTERACTION_LIFETIME))

    def take_interaction(self, handle: str) -> dict | None:
        """The authorize request of a login page, once (a second submit finds nothing)."""
        with self._lock:
            entry = self._interactions.pop(handle, None)
        return entry[0] if entry and entry[1] >= time.time() else None

    def issue_code(self, params: dict, identity: str) -> str:
        """A code for ``identity``, who has just authenticated on the login page."""
        now = time.time()
        grant = Grant(
            params["redirect_uri"], params["nonce"], params["scope"], identity,
            now + CODE_LIFETIME, int(now),
        )  # fmt: skip
        return self._put(self._codes, grant)

    def redeem_code(self, code: str, redirect_uri: str) -> Grant | None:
        """The grant of a live code bound to that redirect URI; the code is spent either way."""
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or grant.expires_at < time.time() or grant.redirect_uri != redirect_uri:
            return None
        return grant

    def issue_tokens(self, grant: Grant) -> dict:
        """The token endpoint's answer: an access token valid 60 s and a signed id_token."""
        now = int(time.time())
        mode = self.mode
        live = dataclasses.replace(grant, expires_at=now + ACCESS_TOKEN_LIFETIME)
        access_token = self._put(self._tokens, live)
        nonce = grant.nonce + "-altere" if mode == "bad_nonce" else grant.nonce
        claims = {
            **self._base_claims(grant.identity, now),
            "exp": now + ID_TOKEN_LIFETIME,
            "nonce": nonce,
            "acr": ACR,
            "amr": ["pwd"],
            "auth_time": grant.auth_time - (STALE_AUTH_SECONDS if mode == "stale_auth_time" else 0),
        }
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": grant.scope,
            "id_token": self.sign(claims, mode),
        }

    def userinfo(self, access_token: str) -> str | None:
        """The userinfo JWT for a live access token, or None."""
        with self._lock:
            grant = self._tokens.get(access_token)
        if grant is None or grant.expires_at < time.time():
            return None
        mode = self.mode
        claims = self._base_claims(grant.identity, int(time.time()))
        if mode == "sub_mismatch":
            claims["sub"] = pairwise_sub("autre-client", grant.identity)
        person = IDENTITIES[grant.identity]["claims"]
        claims.update({name: person[name] for name in requested_claims(grant.scope)})
        return self.sign(claims, mode)

    def _base_claims(self, identity: str, now: int) -> dict:
        return {
            "iss": self.settings.issuer,
            "sub": pairwise_sub(self.settings.client_id, identity),
            "aud": self.settings.client_id,
            "iat": now,
        }

    def sign(self, claims: dict, mode: str = "normal") -> str:
        """ES256 under the published kid; in ``wrong_key`` mode by a key nobody published, in
        ``rs256`` mode by the published RSA key under RS256."""
        if mode == "rs256":
            header = {"alg": "RS256", "kid": self.rsa_key.kid, "typ": "JWT"}
            return jwt.encode(header, claims, self.rsa_key, algorithms=["RS256"])
        key = self.other_key if mode == "wrong_key" else self.key
        header = {"alg": ALGORITHM, "kid": self.key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM])

    def is_own_id_token(self, token: str) -> bool:
        """Whether an id_token_hint was signed by us for our client (expired ones count)."""
        try:
            claims = jwt.decode(token, self.key, algorithms=[ALGORITHM]).claims
        except (JoseError, ValueError):
            return False
        return (
            claims.get("iss") == self.settings.issuer
            and claims.get("aud") == self.settings.client_id
        )

    def record_logout(self, params: dict, accepted: bool) -> None:
        with self._lock:
            self._last_logout = {"called": True, "accepted": accepted, **params}

    def last_logout(self) -> dict:
        with self._lock:
            return dict(self._last_logout)

    def record_authorize(self, params: dict) -> None:
        with self._lock:
            self._last_authorize = dict(params)

    def last_authorize(self) -> dict:
        with self._lock:
            return dict(self._last_authorize)


def _expiry(value) -> float:
    return value.expires_at if isinstance(value, Grant) else value[1]
