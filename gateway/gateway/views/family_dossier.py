"""The Dossier Unique pages of Mon compte famille: the whole dossier, one form per section,
and the history of changes. Added to the family blueprint (session required, not cached).

The family service decides everything: who may see the family (``NotFound`` otherwise),
which sections apply at once and which wait for the SimpliCité office.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from contracts import family_dossier as contract
from contracts.errors import Invalid
from gateway import family_forms, family_session, formatting, pages, sessions
from gateway.views import rpc
from gateway.views.family import bp

SAVED = "Modification enregistrée."
WAITING = (
    "Votre demande est enregistrée : le guichet SimpliCité la vérifiera avant qu'elle ne "
    "s'applique. Vous recevrez un e-mail à sa décision."
)


def chosen_family() -> str:
    """The family in the address (``?famille=``), else the first one linked to the account."""
    chosen = request.args.get("famille")
    if chosen:
        return chosen
    linked = family_session.linked()[1]
    if not linked:
        abort(redirect(url_for("family.activation")))
    return linked[0]["family_id"]


def family_dossiers(caller: dict) -> list[dict]:
    """The Dossier Unique of every family the account is linked to, health and history
    included: what the person's data export holds of the Espace famille."""
    caller, linked = family_session.linked(caller)
    return [
        {
            **rpc().call("family", "get_dossier", caller, family["family_id"]),
            "history": rpc().call("family", "list_dossier_history", caller, family["family_id"]),
        }
        for family in linked
    ]


BIRTH_LABELS = {
    "first_name": "Prénom de l'enfant",
    "last_name": "Nom de l'enfant",
    "birth_date": "Date de naissance",
    "certificate": "Acte de naissance",
    "preregistration": "Préinscription en crèche faite pour cet enfant",
}
BIRTH_SENT = (
    "Naissance déclarée : le guichet SimpliCité vérifiera l'acte de naissance, puis l'enfant "
    "rejoindra votre Dossier Unique. Vous recevrez un e-mail à sa décision."
)


@bp.route("/famille/naissance", methods=["GET", "POST"])
def birth():
    """Declare a birth online: the child waits for the SimpliCité office's validation."""
    family_id = chosen_family()
    caller = family_session.caller(family_id)
    expected = {
        item["reference"]: f"{item['reference']} (naissance prévue le "
        f"{formatting.calendar_date(item['expected_birth_date'])})"
        for item in rpc().call("family", "list_preregistrations", caller, family_id)
        if item["kind"] == "creche" and item["expected_birth_date"] and not item["birth_date"]
    }
    if request.method == "GET":
        return _birth_page(family_id, expected, {})
    values = pages.text_values(request.form, ("first_name", "last_name", "birth_date"))
    values["preregistration"] = request.form.get("preregistration") or ""
    payload = {
        **values,
        "birth_date": values["birth_date"] or None,
        "preregistration": values["preregistration"] or None,
        "certificate": family_forms.certificate(request.files.get("certificate")),
    }
    try:
        rpc().call("family", "declare_birth", caller, family_id, payload)
    except Invalid as exc:
        return pages.invalid_page(
            "family/birth.html", BIRTH_LABELS, values, exc, family_id=family_id, expected=expected
        )
    flash(BIRTH_SENT)
    return redirect(url_for(".dossier", famille=family_id), 303)


def _birth_page(family_id: str, expected: dict, values: dict):
    return pages.form_page(
        "family/birth.html", BIRTH_LABELS, values, family_id=family_id, expected=expected
    )


@bp.get("/famille/dossier")
def dossier():
    """The whole Dossier Unique, each section with its link to change it."""
    family_id = chosen_family()
    found = rpc().call("family", "get_dossier", family_session.caller(family_id), family_id)
    return render_template(
        "family/dossier.html",
        family=found,
        sections=family_forms.SECTIONS,
        waiting={change["section"] for change in found["pending"]},
    )


@bp.get("/famille/historique")
def history():
    """Every change of the dossier, newest first: what, by whom, when, and its status."""
    family_id = chosen_family()
    changes = rpc().call(
        "family", "list_dossier_history", family_session.caller(family_id), family_id
    )
    return render_template("family/history.html", changes=changes, family_id=family_id)


@bp.route("/famille/dossier/<slug>", methods=["GET", "POST"])
def edit_section(slug: str):
    """One section's form; saved at once, or sent to the SimpliCité office for validation."""
    section = family_forms.SECTIONS.get(slug)
    if section is None:
        abort(404)
    family_id = chosen_family()
    caller = family_session.caller(family_id)
    found = rpc().call("family", "get_dossier", caller, family_id)
    labels = family_forms.labels(section, found)
    if request.method == "GET":
        return _section_page(section, found, labels, family_forms.values(section, found))
    shown = family_forms.typed(section, found, request.form)
    upload = request.files.get(family_forms.CERTIFICATE_INPUT)
    change = family_forms.payload(section, found, request.form, upload)
    try:
        outcome = rpc().call("family", "update_dossier", caller, family_id, change)
    except Invalid as exc:
        errors = family_forms.form_errors(exc.fields)
        message = None if exc.fields else exc.message
        return _section_page(section, found, labels, shown, errors, message)
    flash(WAITING if outcome["pending"] else SAVED)
    if sessions.is_agent():
        return redirect(url_for("agents.family", family_id=family_id), 303)
    return redirect(url_for(".dossier", famille=family_id), 303)


def _section_page(section, found, labels, values, errors=None, message=None):
    return pages.form_page(
        "family/dossier_edit.html",
        labels,
        values,
        errors,
        message,
        section=section,
        family=found,
        choices=family_forms.CHOICES,
        people_fields=family_forms.ADULT_FIELDS
        if section.key == "adults"
        else family_forms.PERSON_FIELDS,
        validated=section.key in contract.VALIDATED_SECTIONS and not sessions.is_agent(),
    )
