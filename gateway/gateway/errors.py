"""The one error table of the gateway: exception class -> HTTP status, code, French message.

Services raise :mod:`contracts.errors` types; the RPC client turns transport failures into
:class:`ServiceUnavailable`; Flask and Werkzeug raise their HTTP exceptions. Every one of them
ends here, as JSON under ``/api/`` and as a French page elsewhere, so bad input is never a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from contracts.errors import Conflict, Forbidden, Invalid, NotFound, PortalError, TooManyRequests

log = logging.getLogger("gateway.errors")

UNAVAILABLE_MESSAGE = "Le service est momentanément indisponible, réessayez dans quelques minutes."


class ServiceUnavailable(Exception):
    """A service did not answer (broker down, timeout, unknown method or remote bug)."""


ERROR_TABLE: dict[type[BaseException], tuple[int, str, str]] = {
    Invalid: (422, "INVALID", "Le formulaire contient des erreurs."),
    NotFound: (404, "NOT_FOUND", "La page ou l'élément demandé est introuvable."),
    Forbidden: (403, "FORBIDDEN", "Vous n'avez pas accès à cette page."),
    Conflict: (409, "CONFLICT", "Cette action n'est plus possible : la situation a changé."),
    TooManyRequests: (429, "TOO_MANY_REQUESTS", "Trop de demandes : réessayez plus tard."),
    ServiceUnavailable: (503, "SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE),
    RequestEntityTooLarge: (413, "TOO_LARGE", "L'envoi dépasse 40 Mo : réduisez la taille."),
    CSRFError: (
        400,
        "CSRF",
        "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez.",
    ),
}

HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "La demande n'est pas valide."),
    404: ("NOT_FOUND", "La page demandée est introuvable."),
    405: ("METHOD_NOT_ALLOWED", "Cette action n'est pas possible sur cette adresse."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Format de données non pris en charge."),
}

DEFAULT_RETRY_AFTER = 3600
"""Seconds a 429 asks to wait when the refusal does not say (the longest block of the portal)."""

INTERNAL = (500, "INTERNAL_ERROR", "Une erreur inattendue s'est produite. Réessayez plus tard.")

TITLES = {
    400: "Demande non valide",
    403: "Accès refusé",
    404: "Page introuvable",
    409: "Action impossible",
    413: "Envoi trop volumineux",
    422: "Données non valides",
    429: "Trop de demandes",
    503: "Service indisponible",
}


def init_app(app: Flask) -> None:
    """Route every exception through :func:`handle_error`."""
    app.register_error_handler(Exception, handle_error)
    app.after_request(with_retry_after)


def with_retry_after(response: Response, exc: BaseException | None = None) -> Response:
    """A 429 says in how many seconds to try again: the refusal's figure, else an hour.

    Views that show a refused form again pass the error; every other 429 gets the default.
    """
    if response.status_code == 429 and "Retry-After" not in response.headers:
        seconds = getattr(exc, "retry_after", None) or DEFAULT_RETRY_AFTER
        response.headers["Retry-After"] = str(seconds)
    return response


def describe(exc: BaseException) -> tuple[int, str, str, dict[str, list[str]]]:
    """Status, code, French message and field messages for ``exc``."""
    for cls in type(exc).__mro__:
        if cls in ERROR_TABLE:
            status, code, message = ERROR_TABLE[cls]
            if isinstance(exc, PortalError) and exc.message:
                message = exc.message
            return status, code, message, dict(getattr(exc, "fields", {}) or {})
    if isinstance(exc, HTTPException) and exc.code:
        code, message = HTTP_MESSAGES.get(exc.code, ("HTTP_ERROR", "La demande n'a pas abouti."))
        return exc.code, code, message, {}
    return (*INTERNAL, {})


def handle_error(exc: Exception) -> Response | tuple:
    """Render ``exc`` as JSON for the API and as a French page for people."""
    status, code, message, fields = describe(exc)
    if status >= 500 and not isinstance(exc, ServiceUnavailable):
        log.exception("unhandled error", exc_info=exc)
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": code, "message": message, "fields": fields}})
    else:
        title = TITLES.get(status, "Erreur")
        page = render_template("errors/error.html", title=title, message=message, status=status)
        response = Response(page, mimetype="text/html")
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "30"
    with_retry_after(response, exc)
    if getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
