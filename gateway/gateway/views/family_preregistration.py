"""Pre-registration pages of Mon compte famille (crèche, school) and the SimpliCité office's
list to move them on. Added to the family and agents blueprints.

The family service decides everything: the school rule, the sector school, the level, the
allowed statuses; the pages show its answers and its French messages.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from contracts import family_preregistration as contract
from contracts.errors import Conflict, Forbidden, Invalid
from gateway import family_session, forms, pages, sessions
from gateway.views import agents, rpc
from gateway.views.family import bp
from gateway.views.family_dossier import chosen_family

CRECHE_LABELS = {
    "born": "L'enfant est-il né ?",
    "child_first_name": "Prénom de l'enfant",
    "child_last_name": "Nom de l'enfant",
    "birth_date": "Date de naissance",
    "expected_birth_date": "Date de naissance prévue",
    "desired_start": "Date d'entrée souhaitée",
    "days_per_week": "Jours par semaine",
    "hours_per_week": "Heures par semaine",
    "creches": "Crèches souhaitées",
}
SCHOOL_LABELS = {
    "child_id": "Enfant",
    "child_first_name": "Prénom",
    "child_last_name": "Nom",
    "birth_date": "Date de naissance",
}
CHOICE_INPUTS = tuple(f"creche_{rank}" for rank in range(1, contract.MAX_CRECHE_CHOICES + 1))
STATUS_LABELS = {"status": "Nouveau statut", "comment": "Message à la famille"}


@bp.get("/famille/preinscriptions")
def preregistrations():
    family_id = chosen_family()
    found = rpc().call(
        "family", "list_preregistrations", family_session.caller(family_id), family_id
    )
    return render_template("family/preregistrations.html", found=found, family_id=family_id)


@bp.route("/famille/preinscriptions/creche", methods=["GET", "POST"])
def creche():
    """A crèche pre-registration: the child, the wished start and rhythm, up to 3 crèches."""
    family_id = chosen_family()
    if request.method == "GET":
        return _creche_page(family_id, {"born": "oui"})
    values = pages.text_values(request.form, (*CRECHE_LABELS, *CHOICE_INPUTS))
    born = values["born"] == "oui"
    payload = {
        **{name: values[name] or None for name in CRECHE_LABELS},
        "child_first_name": values["child_first_name"],
        "child_last_name": values["child_last_name"],
        "born": born if values["born"] else None,
        "creches": [values[name] for name in CHOICE_INPUTS if values[name]],
    }
    payload["birth_date" if not born else "expected_birth_date"] = None
    caller = family_session.caller(family_id)
    try:
        sent = rpc().call("family", "submit_creche_preregistration", caller, family_id, payload)
    except Invalid as exc:
        errors = {("creche_1" if k == "creches" else k): v for k, v in exc.fields.items()}
        return _creche_page(family_id, values, errors, None if exc.fields else exc.message)
    flash(f"Préinscription enregistrée sous la référence {sent['reference']}.")
    return redirect(url_for(".preregistrations", famille=family_id), 303)


def _creche_page(family_id, values, errors=None, message=None):
    labels = {**CRECHE_LABELS, "creche_1": CRECHE_LABELS["creches"]}
    labels.pop("creches")
    return pages.form_page(
        "family/preregistration_creche.html",
        labels,
        values,
        errors,
        message,
        family_id=family_id,
        creches=rpc().call("family", "list_creches", sessions.current_caller()),
    )


@bp.route("/famille/preinscriptions/ecole", methods=["GET", "POST"])
def school():
    """A school pre-registration in the sector school, when the town's rule allows it online."""
    family_id = chosen_family()
    caller = family_session.caller(family_id)
    options = rpc().call("family", "get_school_options", caller, family_id)
    dossier = rpc().call("family", "get_family", caller, family_id)
    if request.method == "GET" or not options["allowed"]:
        return _school_page(family_id, options, dossier, {})
    values = pages.text_values(request.form, tuple(SCHOOL_LABELS))
    payload = {
        **values,
        "child_id": int(values["child_id"]) if values["child_id"].isdigit() else None,
    }
    payload["birth_date"] = values["birth_date"] or None
    try:
        sent = rpc().call("family", "submit_school_preregistration", caller, family_id, payload)
    except Invalid as exc:
        return _school_page(family_id, options, dossier, values, exc.fields)
    except Forbidden as exc:
        return _school_page(family_id, options, dossier, values, message=exc.message, status=403)
    flash(f"Préinscription enregistrée sous la référence {sent['reference']}.")
    return redirect(url_for(".preregistrations", famille=family_id), 303)


def _school_page(family_id, options, dossier, values, errors=None, message=None, status=None):
    return pages.form_page(
        "family/preregistration_school.html",
        SCHOOL_LABELS,
        values,
        errors,
        message,
        status,
        family_id=family_id,
        options=options,
        children=dossier["children"],
    )


@agents.bp.get("/familles/preinscriptions")
def agent_preregistrations():
    return _agent_page({}, {}, None)


@agents.bp.post("/familles/preinscriptions/<int:preregistration_id>")
def change_preregistration_status(preregistration_id: int):
    """Give a pre-registration its next status; the comment goes to the family by e-mail."""
    values = {"status": request.form.get("status", ""), "comment": request.form.get("comment", "")}
    caller = sessions.current_caller()
    try:
        rpc().call("family", "change_preregistration_status", caller, preregistration_id, values)
    except Invalid as exc:
        return _agent_page(values, exc.fields, preregistration_id), 422
    except Conflict as exc:
        return _agent_page(values, {"status": [exc.message]}, preregistration_id), 409
    flash("Statut mis à jour : la famille est prévenue par e-mail.")
    return redirect(url_for("agents.agent_preregistrations", **request.args), 303)


def _agent_page(values: dict, errors: dict, failed: int | None):
    kind = request.args.get("type") if request.args.get("type") in contract.KINDS else None
    status = request.args.get("statut") if request.args.get("statut") in contract.STATUSES else None
    found = rpc().call(
        "family", "list_all_preregistrations", sessions.current_caller(), kind, status
    )
    shown = forms.by_form_field(errors)
    return render_template(
        "agents/preregistrations.html",
        found=found,
        kinds=contract.KINDS,
        statuses=contract.STATUSES,
        kind=kind,
        status=status,
        values=values,
        errors=shown,
        failed=failed,
        summary=forms.error_summary(shown, STATUS_LABELS),
    )
