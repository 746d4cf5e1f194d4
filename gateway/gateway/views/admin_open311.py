"""Administration of Open311 partner keys: issue one (its token shown once), list, revoke.

Same guard as :mod:`gateway.views.admin` (an agent session with the role ``admin``); the
requests service checks the role again on every call and keeps only a hash of each token.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from contracts.errors import Conflict, Invalid, NotFound
from gateway import pages, sessions
from gateway.views import admin, public_url, rpc

bp = Blueprint("admin_open311", __name__, url_prefix="/admin/open311")
bp.before_request(admin.require_admin)
bp.after_request(admin.private)

LABELS = {"name": "Nom du partenaire"}


@bp.route("/cles", methods=["GET", "POST"])
def keys():
    """The keys issued; a POST issues one and shows its token on this answer only (the page
    is not cached, and the token never goes into a cookie or a redirect)."""
    if request.method == "GET":
        return _page({})
    values = pages.text_values(request.form, ("name",))
    try:
        issued = rpc().call("requests", "create_open311_key", sessions.current_caller(), values)
    except Invalid as exc:
        return _page(values, exc.fields, None if exc.fields else exc.message)
    return _page({}, issued=issued, status=201)


@bp.post("/cles/<int:key_id>/revoquer")
def revoke(key_id: int):
    """Revoke a key: the partner's next request is refused."""
    try:
        key = rpc().call("requests", "revoke_open311_key", sessions.current_caller(), key_id)
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")
    else:
        flash(f"Clé de « {key['name']} » révoquée.")
    return redirect(url_for(".keys"), 303)


def _page(values: dict, errors=None, message=None, issued=None, status=None):
    found = rpc().call("requests", "list_open311_keys", sessions.current_caller())
    return pages.form_page(
        "admin/open311_keys.html",
        LABELS,
        values,
        errors,
        message,
        status,
        keys=found,
        issued=issued,
        endpoint=public_url(url_for("open311.create_request", fmt="json")),
    )
