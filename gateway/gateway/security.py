"""Browser-facing protections: CSRF on forms, security headers, cookie flags.

Two cookies: ``portail_session`` carries the accounts session token (see
:mod:`gateway.sessions`); ``portail_etat`` is Flask's signed cookie holding the CSRF token,
flash messages and the FranceConnect state. Both are HttpOnly, SameSite=Lax, and Secure when
the portal is served over HTTPS.

The JSON API is exempt from CSRF because it reads no cookie: a forged cross-site request
carries no authority there. Every page is served with a strict Content-Security-Policy, so
templates use no inline script or style; the town colours come from ``/theme.css``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=31536000; includeSubDomains"


def allow_images_from(response: Response, url: str) -> Response:
    """This page also shows images from ``url``'s origin (the report map's tiles)."""
    target = urlsplit(url)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "img-src 'self'", f"img-src 'self' {target.scheme}://{target.netloc}"
    )
    return response


def init_app(app: Flask) -> None:
    """Configure cookies, CSRF and headers from the settings already in ``app.config``."""
    app.config.update(
        SESSION_COOKIE_NAME="portail_etat",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["PUBLIC_URL"].startswith("https://"),
    )
    # The token lives in the browser-session cookie; a long report form must not expire.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    csrf.init_app(app)
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Every response, pages and API alike; HSTS only over HTTPS, where browsers honour it."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
