"""Gateway settings: read once from the environment when the app is created.

Every setting becomes a Flask config key. ``check`` runs after test overrides are merged, so
production refuses to start without its secrets while development gets a usable default.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any

from contracts import signed_caller

ENVIRONMENTS = ("development", "production")
DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
MIN_SECRET_LENGTH = 32
AA_CONTRAST = 4.5
# The map of the report form: IGN Géoplateforme "Plan IGN" tiles (Web Mercator, WMTS as XYZ)
# and the Base Adresse Nationale API; the local run and the tests point at devstack.geo.
DEFAULT_MAP_TILE_URL = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
    "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
DEFAULT_MAP_ATTRIBUTION = "© IGN – Plan IGN"
DEFAULT_GEOCODER_URL = "https://api-adresse.data.gouv.fr"
WEB_ADDRESS = re.compile(r"^https?://[^/?#\s]+")

log = logging.getLogger("gateway.settings")


class SettingsError(RuntimeError):
    """A setting is missing or malformed: the gateway must not start."""


def from_environ(env: Mapping[str, str]) -> dict[str, Any]:
    """The gateway's config keys, parsed from environment variables."""
    return {
        "PORTAL_ENV": env.get("PORTAL_ENV", "").strip() or "development",
        "SECRET_KEY": env.get("GATEWAY_SECRET_KEY", ""),
        "CALLER_SIGNING_KEY": env.get("CALLER_SIGNING_KEY", ""),
        "PUBLIC_URL": env.get("GATEWAY_PUBLIC_URL", "").rstrip("/"),
        "AMQP_URI": env.get("AMQP_URI", "").strip(),
        "RPC_TIMEOUT": _number(env, "RPC_TIMEOUT", "10", float, minimum=0.1),
        "RPC_POOL_SIZE": _number(env, "RPC_POOL_SIZE", "4", int),
        "READY_TIMEOUT": _number(env, "GATEWAY_READY_TIMEOUT", "2", float, minimum=0.1),
        "TRUSTED_PROXIES": _number(env, "GATEWAY_TRUSTED_PROXIES", "0", int, minimum=0),
        "TOWN_NAME": env.get("TOWN_NAME", "Caluire-et-Cuire"),
        "TOWN_COLOR": env.get("TOWN_COLOR", "#00567a"),
        "TOWN_COLOR_DARK": env.get("TOWN_COLOR_DARK", "#003a52"),
        "MAP_TILE_URL": env.get("MAP_TILE_URL", "").strip() or DEFAULT_MAP_TILE_URL,
        "MAP_ATTRIBUTION": env.get("MAP_ATTRIBUTION", "").strip() or DEFAULT_MAP_ATTRIBUTION,
        "GEOCODER_URL": (env.get("GEOCODER_URL", "").strip() or DEFAULT_GEOCODER_URL).rstrip("/"),
    }


def check(config: dict[str, Any]) -> None:
    """Fail fast on what production needs; fill development defaults with a warning."""
    if config["PORTAL_ENV"] not in ENVIRONMENTS:
        raise SettingsError(
            f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {config['PORTAL_ENV']!r}."
        )
    production = config["PORTAL_ENV"] == "production"
    if not config["AMQP_URI"]:
        if production:
            raise SettingsError("AMQP_URI is required when PORTAL_ENV=production.")
        config["AMQP_URI"] = DEFAULT_AMQP_URI
    _check_secret_key(config, production)
    _check_signing_key(config, production)
    if not config["PUBLIC_URL"]:
        if production:
            raise SettingsError("GATEWAY_PUBLIC_URL is required when PORTAL_ENV=production.")
        config["PUBLIC_URL"] = "http://localhost:8000"
    for key in ("TOWN_COLOR", "TOWN_COLOR_DARK"):
        _check_color(key, config[key])
    _check_map(config)


def _check_map(config: dict[str, Any]) -> None:
    """Tiles and geocoder are web addresses; the tile template names {z}, {x} and {y}."""
    for key in ("MAP_TILE_URL", "GEOCODER_URL"):
        if not WEB_ADDRESS.match(config[key]):
            raise SettingsError(f"{key} must be an http(s) address, not {config[key]!r}.")
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in config["MAP_TILE_URL"]]
    if missing:
        raise SettingsError(f"MAP_TILE_URL must contain {', '.join(missing)}.")


def _check_secret_key(config: dict[str, Any], production: bool) -> None:
    key = config["SECRET_KEY"]
    if production and len(key) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"GATEWAY_SECRET_KEY is required when PORTAL_ENV=production and must have at least "
            f"{MIN_SECRET_LENGTH} characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    if not key:
        config["SECRET_KEY"] = secrets.token_urlsafe(48)
        log.warning(
            "GATEWAY_SECRET_KEY is not set: using a random key. Sessions will not survive a "
            "restart nor be shared between workers."
        )


def _check_signing_key(config: dict[str, Any], production: bool) -> None:
    """The private key that signs every caller sent to the services (contracts.signed_caller)."""
    key = config["CALLER_SIGNING_KEY"]
    if not isinstance(key, str):
        return
    if not key.strip():
        if production:
            raise SettingsError(
                "CALLER_SIGNING_KEY is required when PORTAL_ENV=production: the Ed25519 private "
                "key that signs callers (docs/deploy.md says how to make one)."
            )
        config["CALLER_SIGNING_KEY"] = signed_caller.generate_key()
        log.warning(
            "CALLER_SIGNING_KEY is not set: using a random key. The services will refuse every "
            "call until they trust its public key (make run sets both)."
        )
        return
    try:
        config["CALLER_SIGNING_KEY"] = signed_caller.load_signing_key(key)
    except signed_caller.UnusableKey as error:
        raise SettingsError(f"CALLER_SIGNING_KEY cannot be used: {error}.") from None


def _check_color(key: str, value: str) -> None:
    """Colours go into a stylesheet: only hex colours, and warn below WCAG AA on white."""
    if not COLOR.match(value):
        raise SettingsError(f"{key} must be a hex colour such as #00567a, not {value!r}.")
    ratio = contrast_with_white(value)
    if ratio < AA_CONTRAST:
        log.warning(
            "%s %s has a contrast of %.1f:1 with white text (AA needs 4.5:1).", key, value, ratio
        )


def contrast_with_white(color: str) -> float:
    """WCAG 2.1 contrast ratio between ``color`` and white."""
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def _number(env: Mapping[str, str], name: str, default: str, kind: type, minimum: float = 1):
    raw = env.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}.") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, not {raw!r}.")
    return value
