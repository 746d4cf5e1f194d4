"""Back-office pages of the SimpliCité office, on the agents' blueprint (agent session
required, pages not cached): search families, read a family's dossier and history, create a
family, and validate or refuse the changes families sent.

The family service decides who may do this (role ``agent_simplicite``; anyone else gets 403)
and records each agent's read of the children's health information.
"""

from __future__ import annotations

import base64

from flask import Response, flash, redirect, render_template, request, url_for

from contracts import family as family_contract
from contracts import family_dossier as contract
from contracts.errors import Conflict, Invalid
from gateway import forms, pages, sessions
from gateway.views import rpc
from gateway.views.agents import bp

DECISION_LABELS = {"decision": "Décision", "reason": "Motif du refus"}
CREATE_LABELS = {
    "name": "Nom de famille",
    "address": "Adresse",
    "adult_first_name": "Prénom du responsable",
    "adult_last_name": "Nom du responsable",
    "adult_relationship": "Lien avec les enfants",
    "adult_email": "Adresse e-mail",
    "adult_phone": "Téléphone",
    "child_first_name": "Prénom de l'enfant",
    "child_birth_date": "Date de naissance de l'enfant",
    "child_school": "École de l'enfant",
    "child_class_name": "Classe de l'enfant",
    "quotient_familial": "Quotient familial",
}
DECISIONS = {"validee": "Valider", "refusee": "Refuser"}


@bp.get("/familles")
def families():
    """Search by identifier, family name, a parent's or a child's name."""
    query = (request.args.get("q") or "").strip()
    found, errors = None, {}
    if query:
        try:
            found = rpc().call("family", "search_families", sessions.current_caller(), query)
        except Invalid as exc:
            errors = {"q": exc.fields.get("q", [exc.message])}
    pending = rpc().call("family", "list_pending_changes", sessions.current_caller())
    return render_template(
        "agents/families.html",
        query=query,
        found=found,
        pending_count=len(pending),
        values={"q": query},
        errors=errors,
    )


@bp.get("/familles/<family_id>")
def family(family_id: str):
    """A family's whole dossier (health included, the read is recorded) and its history."""
    caller = sessions.current_caller()
    found = rpc().call("family", "get_dossier", caller, family_id)
    history = rpc().call("family", "list_dossier_history", caller, family_id)
    return render_template("agents/family.html", family=found, history=history)


@bp.post("/familles/<family_id>/effacer")
def erase_family(family_id: str):
    """Erase the family and all its data (a request to exercise the right to erasure)."""
    if not pages.checked(request.form, "confirm"):
        flash("Cochez la case de confirmation pour effacer la famille.")
        return redirect(url_for(".family", family_id=family_id), 303)
    rpc().call("family", "erase_family", sessions.current_caller(), family_id)
    flash(f"La famille n° {family_id} et toutes ses données ont été effacées.")
    return redirect(url_for(".families"), 303)


@bp.get("/familles/demandes")
def pending_changes():
    return _pending_page({}, {}, None)


@bp.post("/familles/demandes/<int:change_id>")
def decide(change_id: int):
    """Validate or refuse one change; a refusal's reason is sent to the family."""
    values = {
        "decision": request.form.get("decision", ""),
        "reason": request.form.get("reason", ""),
    }
    try:
        rpc().call("family", "decide_change", sessions.current_caller(), change_id, values)
    except Invalid as exc:
        return _pending_page(values, exc.fields, change_id), 422
    except Conflict as exc:
        return _pending_page(values, {"decision": [exc.message]}, change_id), 409
    flash("Demande validée." if values["decision"] == "validee" else "Demande refusée.")
    return redirect(url_for(".pending_changes"), 303)


def _pending_page(values: dict, errors: dict, change_id: int | None):
    changes = rpc().call("family", "list_pending_changes", sessions.current_caller())
    shown = forms.by_form_field(errors)
    return render_template(
        "agents/family_changes.html",
        changes=changes,
        decisions=DECISIONS,
        values=values,
        errors=shown,
        failed=change_id,
        summary=forms.error_summary(shown, DECISION_LABELS),
    )


@bp.get("/familles/demandes/<int:change_id>/justificatif")
def certificate(change_id: int):
    """The certificate a family sent, as a download (a PDF is never shown inline)."""
    sent = rpc().call("family", "get_quotient_certificate", sessions.current_caller(), change_id)
    return certificate_download(sent)


def certificate_download(sent: dict) -> Response:
    """A ``contracts.family_dossier.Certificate`` as a download (never shown inline), under a
    file name reduced to safe characters."""
    mimetype = sent["content_type"] if sent["content_type"] in contract.CERTIFICATE_TYPES else None
    response = Response(base64.b64decode(sent["data"]), mimetype=mimetype or "application/pdf")
    filename = "".join(c for c in sent["filename"] if c.isalnum() or c in "._-") or "justificatif"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/familles/nouvelle", methods=["GET", "POST"])
def new_family():
    """Create a family with its first responsible adult; the identifier is given by the service."""
    if request.method == "GET":
        return _create_page({name: "" for name in CREATE_LABELS})
    values = pages.text_values(request.form, tuple(CREATE_LABELS))
    adult = {name: values[f"adult_{name}"] for name in ("first_name", "last_name", "email")}
    adult |= {"relationship": values["adult_relationship"], "phone": values["adult_phone"]}
    payload = {
        "name": values["name"],
        "address": values["address"],
        "adults": [{**adult, "custody": "exercee"}],
        "children": _new_children(values),
        "quotient_familial": values["quotient_familial"] or None,
    }
    try:
        created = rpc().call("family", "create_family", sessions.current_caller(), payload)
    except Invalid as exc:
        errors = {_create_field(name): messages for name, messages in exc.fields.items()}
        return _create_page(values, errors)
    flash(f"Famille {created['name']} créée : numéro {created['family_id']}.")
    return redirect(url_for(".family", family_id=created["family_id"]), 303)


def _new_children(values: dict) -> list[dict]:
    """The child typed on the form, if any (the others are added from the family's page)."""
    child = {name: values[f"child_{name}"] for name in ("first_name", "school", "class_name")}
    if not any(child.values()) and not values["child_birth_date"]:
        return []
    child = {name: value or None for name, value in child.items()}
    child["first_name"] = child["first_name"] or ""
    return [
        {**child, "last_name": values["name"], "birth_date": values["child_birth_date"] or None}
    ]


def _create_field(name: str) -> str:
    """``adults.0.email`` is the input ``adult_email``, ``children.0.birth_date`` the input
    ``child_birth_date``."""
    for prefix, input_prefix in (("adults.0.", "adult_"), ("children.0.", "child_")):
        if name.startswith(prefix):
            return input_prefix + name.removeprefix(prefix)
    return name


def _create_page(values: dict, errors: dict | None = None):
    return pages.form_page(
        "agents/family_new.html",
        CREATE_LABELS,
        values,
        errors,
        relationships=family_contract.RELATIONSHIPS,
    )
