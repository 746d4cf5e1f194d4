"""Minimal back office for public-space agents, behind one shared password.

Until citizen and agent accounts exist, an agent proves they know ``GATEWAY_AGENT_PASSWORD``;
the session then carries ``agent=True`` and every RPC is made with the role
``agent_espace_public``. The requests service decides what that role may see and change.
"""

from __future__ import annotations

import hmac

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from contracts.errors import Invalid
from contracts.fields_fr import REQUIRED
from contracts.requests import STATUSES
from gateway import forms, photos
from gateway.views import no_store, rpc

bp = Blueprint("agents", __name__, url_prefix="/agents")

AGENT_CALLER = {"account_id": None, "roles": ["agent_espace_public"], "family_id": None}
STATUS_LABELS = {"status": "Nouveau statut", "comment": "Commentaire"}
WRONG_PASSWORD = "Mot de passe incorrect."
LOGIN_DISABLED = "La connexion des agents n'est pas configurée sur ce serveur."


@bp.before_request
def require_agent():
    """Everything but the login page needs a logged-in agent."""
    if request.endpoint == "agents.login" or session.get("agent"):
        return None
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("agents.login", suite=back))


@bp.after_request
def private(response):
    return no_store(response)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Check the shared password in constant time, then open the agent session."""
    configured = current_app.config["AGENT_PASSWORD"]
    error = None if configured else LOGIN_DISABLED
    if request.method == "POST" and configured:
        typed = request.form.get("password", "")
        if hmac.compare_digest(typed.encode(), configured.encode()):
            session.clear()
            session["agent"] = True
            return redirect(_safe_next(request.args.get("suite")), 303)
        error = WRONG_PASSWORD if typed else REQUIRED
    page = render_template("agents/login.html", error=error)
    return page, 422 if request.method == "POST" else 200


@bp.post("/deconnexion")
def logout():
    session.clear()
    flash("Vous êtes déconnecté.")
    return redirect(url_for("home.index"), 303)


@bp.get("/signalements")
def reports():
    """All reports, newest first, optionally with one status only."""
    status = request.args.get("statut") or None
    if status not in STATUSES:
        status = None
    found = rpc().call("requests", "list_reports", AGENT_CALLER, status)
    return render_template("agents/list.html", reports=found, status=status)


@bp.get("/signalements/<int:report_id>")
def report(report_id: int):
    return _detail_page(report_id, {}, {})


@bp.post("/signalements/<int:report_id>/statut")
def change_status(report_id: int):
    """Move the report to a new status; the comment is shown to its author."""
    change = {"status": request.form.get("status", ""), "comment": request.form.get("comment", "")}
    try:
        rpc().call("requests", "change_report_status", AGENT_CALLER, report_id, change)
    except Invalid as exc:
        return _detail_page(report_id, change, exc.fields), 422
    flash("Statut mis à jour.")
    return redirect(url_for(".report", report_id=report_id), 303)


@bp.get("/signalements/<int:report_id>/photo")
def report_photo(report_id: int):
    photo = rpc().call("requests", "get_report_photo", AGENT_CALLER, report_id)
    return photos.response(photo)


def _detail_page(report_id: int, values: dict, errors: dict):
    found = rpc().call("requests", "get_report", AGENT_CALLER, report_id)
    summary = forms.error_summary(forms.by_form_field(errors), STATUS_LABELS)
    page = render_template(
        "agents/detail.html", report=found, values=values, errors=errors, summary=summary
    )
    return make_response(page)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login cannot bounce an agent elsewhere."""
    if target and target.startswith("/agents/") and "\\" not in target:
        return target
    return url_for("agents.reports")
