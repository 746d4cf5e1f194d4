"""JSON API under ``/api/v1``: the same reports as the pages, for apps and partners.

No cookie gives authority here (CSRF-exempt for that reason): every call is made as
``contracts.identity.ANONYMOUS``, never with the ``portail_session`` caller. Errors come back as
``{"error": {"code", "message", "fields"}}`` from :mod:`gateway.errors`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from contracts.errors import Invalid
from contracts.fields_fr import REQUIRED
from contracts.identity import ANONYMOUS
from contracts.requests import CATEGORIES, Category
from gateway import openapi, submissions
from gateway.views import rpc

bp = Blueprint("api", __name__, url_prefix="/api/v1")

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@bp.get("/reports/categories")
def categories():
    """The categories a report may have (``contracts.requests.Category``)."""
    items = [{"code": code, "label": label} for code, label in CATEGORIES.items()]
    return jsonify(Category(many=True).dump(items))


@bp.post("/reports")
def submit_report():
    """Record a report; the answer carries the private tracking key, shown only once."""
    if request.is_json:
        payload = submissions.from_json(request.get_json(silent=True))
    elif request.mimetype in FORM_TYPES:
        payload = submissions.from_form(request.form, request.files)
    else:
        raise UnsupportedMediaType()
    report = rpc().call("requests", "submit_report", ANONYMOUS, payload)
    location = url_for(
        ".get_report", tracking_number=report["tracking_number"], key=report["tracking_key"]
    )
    return jsonify(report), 201, {"Location": location}


@bp.get("/reports/<tracking_number>")
def get_report(tracking_number: str):
    """A report, for whoever holds its tracking key (``contracts.requests.Report``)."""
    key = request.args.get("key", "").strip()
    if not key:
        raise Invalid("La clé de suivi est obligatoire.", {"key": [REQUIRED]})
    report = rpc().call("requests", "get_tracked_report", ANONYMOUS, tracking_number, key)
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 description of this API, generated from the contracts schemas."""
    document = current_app.extensions.get("openapi")
    if document is None:
        document = current_app.extensions["openapi"] = openapi.build(current_app.config)
    return jsonify(document)
