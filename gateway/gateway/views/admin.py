"""Administration: agent accounts (list, create, change roles) and the e-mails sent.

Only an agent session with the role ``admin`` opens these pages; the accounts service checks
the role again on every call. A new agent receives an invitation link to choose a password.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from contracts.errors import Conflict, Forbidden, Invalid
from gateway import pages, sessions
from gateway.views import no_store, rpc

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {  # one French label per role of contracts.identity.ROLES, in that order
    "agent_espace_public": "Espace public (signalements)",
    "agent_etat_civil": "État civil",
    "agent_simplicite": "SimpliCité (familles, crèches, écoles, activités)",
    "agent_vie_pratique": "Vie pratique (stationnement, vignettes, salle des fêtes)",
    "agent_regie": "Régie (factures et paiements)",
    "admin": "Administration des agents",
}

CREATE_LABELS = {
    "email": "Adresse e-mail",
    "given_name": "Prénom",
    "family_name": "Nom",
    "roles": "Rôles",
}
ADMIN_ONLY = "Cette page est réservée aux administrateurs."
ACCESS_UNCHANGED = "L'accès de ce compte n'a pas été modifié : la situation a changé."
MESSAGE_STATUS_LABELS = {"pending": "En attente", "sent": "Envoyé", "failed": "Abandonné"}


@bp.before_request
def require_admin():
    """Agents without the role ``admin`` are refused; anyone else goes to the agent login."""
    if not sessions.is_agent():
        return redirect(url_for("agents.login", suite=pages.back_here()))
    if not sessions.has_role("admin"):
        raise Forbidden(ADMIN_ONLY)
    return None


@bp.after_request
def private(response):
    return no_store(response)


@bp.route("/agents", methods=["GET", "POST"])
def agents():
    """The agents and their roles; a POST creates an agent (``create_agent``)."""
    if request.method == "GET":
        return _page({"roles": []})
    values = pages.text_values(request.form, ("email", "given_name", "family_name"))
    values["roles"] = request.form.getlist("roles")
    try:
        rpc().call("accounts", "create_agent", sessions.current_caller(), values)
    except Invalid as exc:
        return _page(values, exc.fields, None if exc.fields else exc.message)
    flash(f"Compte agent créé : une invitation a été envoyée à {values['email']}.")
    return redirect(url_for(".agents"), 303)


@bp.post("/agents/<agent_id>/roles")
def agent_roles(agent_id: str):
    """Give an agent exactly the roles ticked (``set_agent_roles``)."""
    roles = {"roles": request.form.getlist("roles")}
    try:
        agent = rpc().call(
            "accounts", "set_agent_roles", sessions.current_caller(), agent_id, roles
        )
    except Invalid as exc:
        messages = [m for found in exc.fields.values() for m in found] or [exc.message]
        return _page({"roles": []}, role_errors={agent_id: messages})
    except Conflict as exc:  # e.g. an administrator removing their own role ``admin``
        return _page({"roles": []}, role_errors={agent_id: [exc.message]})
    flash(f"Rôles de {agent['given_name']} {agent['family_name']} enregistrés.")
    return redirect(url_for(".agents"), 303)


@bp.get("/messages")
def messages():
    """The e-mails the portal sent or will send, newest first, optionally to one address."""
    recipient = request.args.get("destinataire", "").strip() or None
    page = request.args.get("page")
    found = rpc().call("notifications", "list_messages", sessions.current_caller(), recipient, page)
    filters = {"destinataire": recipient} if recipient else {}
    return render_template(
        "admin/messages.html",
        found=found,
        recipient=recipient,
        filters=filters,
        statuses=MESSAGE_STATUS_LABELS,
    )


@bp.post("/agents/<agent_id>/acces")
def agent_access(agent_id: str):
    """Disable an agent (their sessions end at once) or enable them again."""
    disabled = request.form.get("desactiver") == "1"
    try:
        agent = rpc().call(
            "accounts",
            "set_agent_disabled",
            sessions.current_caller(),
            agent_id,
            {"disabled": disabled},
        )
    except Conflict as exc:  # e.g. an administrator disabling their own account
        flash(exc.message or ACCESS_UNCHANGED, "error")
        return redirect(url_for(".agents"), 303)
    name = f"{agent['given_name']} {agent['family_name']}"
    flash(f"Compte de {name} désactivé." if disabled else f"Compte de {name} réactivé.")
    return redirect(url_for(".agents"), 303)


def _page(values: dict, errors=None, message=None, role_errors=None):
    page = request.args.get("page")
    found = rpc().call("accounts", "list_agents", sessions.current_caller(), page)
    return pages.form_page(
        "admin/agents.html",
        CREATE_LABELS,
        values,
        errors,
        message,
        422 if (errors or message or role_errors) else None,
        agents=found,
        role_labels=ROLE_LABELS,
        role_errors=role_errors or {},
        own_account_id=sessions.current_caller()["account_id"],
    )


@bp.get("/consultations")
def demarche_views():
    """Who opened which état-civil request, and when (``list_demarche_views``)."""
    caller = sessions.current_caller()
    found = rpc().call("requests", "list_demarche_views", caller, request.args.get("page"))
    return render_template("admin/demarche_views.html", found=found)
