"""Back office for public-space agents, behind an agent account.

Agents log in with their e-mail and password through the accounts service; only an identity
of kind ``agent`` opens this area (a citizen's credentials get the generic refusal and their
new session is revoked at once). Every RPC carries the session's roles, so the requests
service decides what each agent may see and change.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from contracts.demarches import ESPACE_PUBLIC, GENERIC
from contracts.errors import Conflict, Forbidden, Invalid
from contracts.requests import AGENT_ROLES, MAP_MAX_REPORTS, STATUSES
from gateway import forms, pages, photos, redirects, security, sessions
from gateway.errors import ServiceUnavailable
from gateway.views import no_store, rpc

bp = Blueprint("agents", __name__, url_prefix="/agents")

STATUS_LABELS = {"status": "Nouveau statut", "comment": "Commentaire"}
LOGIN_LABELS = {"email": "Adresse e-mail", "password": "Mot de passe"}
NOT_AN_AGENT = "Adresse e-mail ou mot de passe incorrect."
"""The accounts service's generic refusal: a citizen's credentials learn nothing more here."""
SAME_STATUS = "Choisissez un statut différent du statut actuel."


@bp.before_request
def require_agent():
    """Everything but the login page needs an agent session."""
    if request.endpoint == "agents.login" or sessions.is_agent():
        return None
    return redirect(url_for("agents.login", suite=pages.back_here()))


@bp.after_request
def private(response):
    return no_store(response)


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Open an agent session with the accounts service; refuse any other kind of account."""
    values = {"email": (request.form.get("email") or "").strip()}
    if request.method == "GET":
        return _login_page(values)
    credentials = {
        "email": values["email"],
        "password": request.form.get("password", ""),
        "client_ip": sessions.client_ip(),
    }
    try:
        opened = rpc().call("accounts", "login", sessions.current_caller(), credentials)
    except Invalid as exc:
        return pages.invalid_page("agents/login.html", LOGIN_LABELS, values, exc, **_context())
    except Forbidden as exc:
        return _login_page(values, exc.message, 403)
    if opened["identity"]["kind"] != "agent":
        caller = {"account_id": opened["identity"]["account_id"], "roles": [], "family_id": None}
        rpc().call("accounts", "logout", caller, opened["session_token"])
        return _login_page(values, NOT_AN_AGENT, 403)
    sessions.begin(opened)
    return redirect(_safe_next(request.args.get("suite"), opened["identity"]["roles"]), 303)


def _login_page(values: dict, message: str | None = None, status: int | None = None):
    return pages.form_page(
        "agents/login.html", LOGIN_LABELS, values, None, message, status, **_context()
    )


def _context() -> dict:
    return {"summary_title": "Connexion impossible"}


@bp.post("/deconnexion")
def logout():
    """End the agent's session (same as ``/deconnexion``), then back to the agent login."""
    sessions.end()
    return redirect(url_for("agents.login"), 303)


@bp.get("/signalements")
def reports():
    """All reports, newest first, a page at a time, optionally with one status only."""
    status = request.args.get("statut") or None
    if status not in STATUSES:
        status = None
    page = request.args.get("page")
    found = rpc().call("requests", "list_reports", sessions.current_caller(), status, page)
    filters = {"statut": status} if status else {}
    return render_template(
        "agents/list.html", found=found, status=status, filters=filters, values={}, errors={}
    )


@bp.get("/signalements/<int:report_id>")
def report(report_id: int):
    return _detail_page(report_id, {}, {})


@bp.post("/signalements/<int:report_id>/statut")
def change_status(report_id: int):
    """Move the report to a new status; the comment is shown to its author."""
    change = {"status": request.form.get("status", ""), "comment": request.form.get("comment", "")}
    try:
        rpc().call("requests", "change_report_status", sessions.current_caller(), report_id, change)
    except Invalid as exc:
        return _detail_page(report_id, change, exc.fields), 422
    except Conflict as exc:  # the status it has already, or changed meanwhile by someone else
        return _conflict_page(report_id, change, exc), 409
    flash("Statut mis à jour.")
    return redirect(url_for(".report", report_id=report_id), 303)


@bp.get("/signalements/<int:report_id>/photo", defaults={"position": 1})
@bp.get("/signalements/<int:report_id>/photo/<int:position>")
def report_photo(report_id: int, position: int):
    caller = sessions.current_caller()
    photo = rpc().call("requests", "get_report_photo", caller, report_id, position)
    return photos.response(photo)


def _conflict_page(report_id: int, values: dict, exc: Conflict):
    """The report as it is now, the typed comment kept, the refusal next to the status."""
    found = rpc().call("requests", "get_report", sessions.current_caller(), report_id)
    message = SAME_STATUS if values["status"] == found["status"] else exc.message
    return _detail_page(report_id, values, {"status": [message]}, found)


def _detail_page(report_id: int, values: dict, errors: dict, found: dict | None = None):
    if found is None:
        found = rpc().call("requests", "get_report", sessions.current_caller(), report_id)
    summary = forms.error_summary(forms.by_form_field(errors), STATUS_LABELS)
    page = render_template(
        "agents/detail.html",
        report=found,
        values=values,
        errors=errors,
        summary=summary,
        colleagues=colleagues(ESPACE_PUBLIC.role),
    )
    return make_response(page)


def colleagues(role: str) -> dict[str, str]:
    """The enabled agents of ``role``, account id to name (none when the accounts service does
    not answer: the page works without the list)."""
    try:
        found = rpc().call("accounts", "list_agents_with_role", sessions.current_caller(), role)
    except (Forbidden, ServiceUnavailable):
        return {}
    return {agent["account_id"]: agent["display_name"] for agent in found}


def agent_home(roles: list[str]) -> str:
    """The first page an agent's roles open: reports, families, the régie, their démarches,
    the appointments; the account page for an agent with none of these."""
    mine = [d.code for d in GENERIC.values() if d.role in roles]
    if set(roles) & set(AGENT_ROLES):
        return url_for("agents.reports")
    if "agent_simplicite" in roles:
        return url_for("agents.families")
    if "agent_regie" in roles:
        return url_for("agents.regie")
    if mine:
        return url_for("agents.demarche_requests", code=mine[0])
    return url_for("account.overview")


def _safe_next(target: str | None, roles: list[str]) -> str:
    """Only a path of the agent area, so the login cannot bounce an agent elsewhere; by
    default the agent's first page (:func:`agent_home`). The reports list, where the footer's
    "Espace agents" leads, counts as no target for an agent who does not process reports."""
    default = agent_home(roles)
    if target == url_for("agents.reports") and not set(roles) & set(AGENT_ROLES):
        target = None
    target = redirects.safe_target(target, default)
    return target if target.startswith(("/agents/", "/admin/")) else default


@bp.get("/signalements/carte")
def report_map():
    """Open reports placed on a map (Leaflet from our static files), with the same reports
    as a list that works without the map."""
    points = rpc().call("requests", "list_open_report_points", sessions.current_caller())
    page = render_template("agents/map.html", points=points, limit=MAP_MAX_REPORTS)
    return security.allow_images_from(make_response(page), current_app.config["MAP_TILE_URL"])
