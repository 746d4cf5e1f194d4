"""Citizen pages of the démarches catalogue: the list, a form generated from each démarche's
definition (``contracts.demarches``), and the private tracking page of a request.

The public-space report keeps its own form (``views.reports``); the catalogue links to it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from contracts.demarche_requests import ATTACHMENT_MAX_BYTES, INVALID_FORM
from contracts.demarches import CATALOGUE, ESPACE_PUBLIC, GENERIC, Demarche, Field
from contracts.errors import Conflict, Invalid, TooManyRequests
from gateway import pages, photos, sessions
from gateway.errors import with_retry_after
from gateway.formatting import calendar_date
from gateway.views import public_url, rpc

bp = Blueprint("demarches", __name__, url_prefix="/demarches")

FILE_TOO_LARGE = f"Le fichier dépasse {ATTACHMENT_MAX_BYTES // (1024 * 1024)} Mo."
FILE_EMPTY = "Le fichier est vide."
FILE_AGAIN = (
    "Pour votre sécurité, le navigateur n'a pas gardé le fichier : choisissez-le de nouveau."
)


def form_url(demarche: Demarche) -> str:
    if demarche is ESPACE_PUBLIC:
        return url_for("reports.new_report")
    return url_for("demarches.new_request", code=demarche.code)


def labels_of(demarche: Demarche) -> dict[str, str]:
    """The form's inputs and their French labels, in screen order (for the error summary)."""
    return {field.name: field.label for field in demarche.fields}


def answer_text(field: Field, value: str) -> str:
    """An answer as a person reads it: a choice by its label, a date in French."""
    if field.kind == "date":
        try:
            return calendar_date(value)
        except (TypeError, ValueError):
            return value
    return field.choices.get(value, value)


def shown_fields(demarche: Demarche, values: dict) -> list[tuple[str, str]]:
    """(label, text) of each answered field, a choice shown by its label."""
    shown = []
    for field in demarche.fields:
        value = values.get(field.name)
        if value not in (None, ""):
            shown.append((field.label, answer_text(field, value)))
    return shown


@bp.get("")
def catalogue():
    """Every démarche the town offers, grouped by area."""
    return render_template("demarches/catalogue.html", catalogue=CATALOGUE, form_url=form_url)


@bp.route("/<code>/nouvelle", methods=["GET", "POST"])
def new_request(code: str):
    """The form of one démarche; on POST send it and show the confirmation."""
    demarche = GENERIC.get(code)
    if demarche is None:
        abort(404)
    if demarche.account_required and sessions.current_identity() is None:
        return redirect(url_for("auth.login", suite=request.full_path), 303)
    if request.method == "GET":
        return _form_page(demarche, _prefill())
    values = pages.text_values(request.form, tuple(labels_of(demarche)))
    files, file_errors = _read_files(demarche)
    payload = {
        "demarche": demarche.code,
        "fields": {name: value for name, value in values.items() if value},
        "files": files,
        "client_ip": sessions.client_ip(),
    }
    try:
        if file_errors:  # the files are checked before anything is sent
            raise Invalid(INVALID_FORM, file_errors)
        sent = rpc().call("requests", "submit_demarche", sessions.current_caller(), payload)
    except Invalid as exc:
        again = {name: [FILE_AGAIN] for name in files if name not in exc.fields}
        return _form_page(demarche, values, Invalid(exc.message, {**exc.fields, **again}))
    except TooManyRequests as exc:
        return with_retry_after(_form_page(demarche, values, message=exc.message, status=429), exc)
    target = url_for(".track", number=sent["tracking_number"], cle=sent["tracking_key"], nouveau=1)
    return redirect(target, 303)


def _read_files(demarche: Demarche) -> tuple[dict, dict[str, list[str]]]:
    """The files chosen for the démarche's file fields, and the errors of those that cannot
    be sent (too large, empty)."""
    files, errors = {}, {}
    for field in demarche.fields:
        if field.kind != "file":
            continue
        upload, problems = photos.from_upload(
            request.files.get(field.name),
            ATTACHMENT_MAX_BYTES,
            FILE_TOO_LARGE,
            FILE_EMPTY,
            field.name,
        )
        if problems:
            errors[field.name] = problems
        elif upload:
            files[field.name] = upload
    return files, errors


def _prefill() -> dict:
    if sessions.current_identity() is None:
        return {}
    account = rpc().call("accounts", "get_account", sessions.current_caller())
    return {"email": account["email"]}


def _form_page(demarche, values, exc: Invalid | None = None, message=None, status=None):
    context = {"demarche": demarche, "summary_title": None}
    labels = labels_of(demarche)
    if exc is not None:
        return pages.invalid_page("demarches/form.html", labels, values, exc, **context)
    return pages.form_page("demarches/form.html", labels, values, None, message, status, **context)


@bp.get("/suivi/<number>")
def track(number: str):
    """A request's status and history, for whoever holds its private link; a request waiting
    for its requester offers the answer form."""
    key = request.args.get("cle", "").strip()
    if not key:
        return redirect(url_for("reports.track_form", numero=number))
    return _track_page(number, key, {}, None)


ANSWER_LABELS = {"message": "Votre réponse", "fichiers": "Documents joints"}
ANSWER_SENT = "Votre réponse a été transmise au service."


@bp.post("/suivi/<number>/reponse")
def answer(number: str):
    """The requester's answer (text and up to 3 files) to what the agent asked."""
    key = request.form.get("cle", "").strip()
    values = pages.text_values(request.form, ("message",))
    files, problems = [], []
    for storage in request.files.getlist("fichiers"):
        upload, errors = photos.from_upload(
            storage, ATTACHMENT_MAX_BYTES, FILE_TOO_LARGE, FILE_EMPTY, "document"
        )
        problems += errors
        files += [upload] if upload else []
    try:
        if problems:
            raise Invalid(INVALID_FORM, {"fichiers": problems})
        payload = {"message": values["message"], "files": files}
        caller = sessions.current_caller()
        rpc().call("requests", "answer_demarche", caller, number, key, payload)
    except Invalid as exc:
        errors = {ANSWER_FIELDS.get(name, name): messages for name, messages in exc.fields.items()}
        if files and "fichiers" not in errors:
            errors["fichiers"] = [FILE_AGAIN]
        return _track_page(number, key, values, errors)
    except Conflict as exc:  # no longer waiting: answered already, or moved on
        flash(exc.message)
    else:
        flash(ANSWER_SENT)
    return redirect(url_for(".track", number=number, cle=key), 303)


ANSWER_FIELDS = {"files": "fichiers", "reponse": "fichiers"}
"""The service's names of the answer's fields, as the form names them."""


def _track_page(number: str, key: str, values: dict, errors: dict | None):
    found = rpc().call("requests", "get_tracked_demarche", sessions.current_caller(), number, key)
    demarche = GENERIC[found["demarche"]]
    return pages.form_page(
        "demarches/track.html",
        ANSWER_LABELS,
        values,
        errors,
        found=found,
        key=key,
        demarche=demarche,
        answers=shown_fields(demarche, found["fields"]),
        private_link=public_url(url_for(".track", number=found["tracking_number"], cle=key)),
        is_new=request.args.get("nouveau") == "1",
    )
