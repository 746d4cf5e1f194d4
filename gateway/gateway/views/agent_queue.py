"""The agents' queue of démarches, on the agents' blueprint: every request of the démarches
of the agent's roles (public-space reports included, each linked to its own page), oldest first, with filters, search, pages and a CSV export of the
filtered list; taking a request, handing it to a colleague of the démarche's role, or giving
it back. The requests service decides what each agent may see; the accounts service lists the
colleagues of a role.
"""

from __future__ import annotations

import csv
import io

from flask import flash, make_response, redirect, render_template, request, url_for

from contracts.demarche_office import ASSIGNMENTS
from contracts.demarches import CATALOGUE
from contracts.errors import Conflict, Invalid
from gateway import forms, sessions
from gateway.formatting import calendar_date, paris_datetime
from gateway.views import rpc
from gateway.views.agents import bp, colleagues
from gateway.views.demarches import answer_text

FILTERS = {  # query argument: (QueueFilters field, French label)
    "demarche": ("demarche", "Démarche"),
    "statut": ("status", "Statut"),
    "du": ("submitted_from", "Déposée à partir du"),
    "au": ("submitted_to", "Déposée jusqu'au"),
    "retard": ("overdue", "Date de traitement dépassée"),
    "attribution": ("assigned", "Attribution"),
    "agent": ("assigned_to", "Attribuées à l'agent"),
    "q": ("search", "Recherche"),
}
CSV_COLUMNS = ("Numéro", "Démarche", "Statut", "Déposée le", "À traiter avant le",
               "Attribuée à", "E-mail", "Réponses")  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def mine() -> dict:
    """The démarches of the agent's roles, code to definition."""
    roles = set(sessions.current_identity()["roles"])
    return {c: d for c, d in CATALOGUE.items() if d.role in roles or "admin" in roles}


def asked_filters() -> tuple[dict, dict]:
    """(query arguments kept for links, QueueFilters payload) from the page's query."""
    kept = {name: request.args.get(name, "").strip() for name in FILTERS}
    kept = {name: value for name, value in kept.items() if value}
    payload = {FILTERS[name][0]: value for name, value in kept.items()}
    if "overdue" in payload:
        payload["overdue"] = True
    return kept, payload


@bp.get("/demarches")
def demarche_queue():
    """The queue, a page at a time; filter errors are shown above the form."""
    kept, payload = asked_filters()
    caller = sessions.current_caller()
    errors = {}
    try:
        found = rpc().call(
            "requests", "search_demarche_requests", caller, payload, request.args.get("page")
        )
    except Invalid as exc:
        errors = {name: exc.fields[field] for name, (field, _) in FILTERS.items()
                  if field in exc.fields}  # fmt: skip
        found = {"items": [], "page": 1, "pages": 1, "total": 0, "size": 50}
    demarches = mine()
    statuses = {code: label for d in demarches.values() for code, label in d.statuses.items()}
    page = render_template(
        "agents/demarche_queue.html",
        found=found,
        filters=kept,
        values=kept,
        errors=errors,
        summary=forms.error_summary(errors, {n: label for n, (_, label) in FILTERS.items()}),
        demarche_choices={code: d.title for code, d in demarches.items()},
        status_choices=statuses,
        assignment_choices={k: v for k, v in ASSIGNMENTS.items() if k},
        agent_choices={
            account_id: name
            for role in sorted({d.role for d in demarches.values()})
            for account_id, name in colleagues(role).items()
        },
    )
    return make_response(page, 422 if errors else 200)


@bp.get("/demarches/export.csv")
def demarche_export():
    """The filtered queue as a CSV file (semicolons, UTF-8 with BOM: opens in a spreadsheet)."""
    _, payload = asked_filters()
    export = rpc().call("requests", "export_demarche_requests", sessions.current_caller(), payload)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for row in export["rows"]:
        writer.writerow([cell(value) for value in csv_line(row)])
    if export["truncated"]:
        writer.writerow([cell("Liste tronquée : affinez les filtres pour tout exporter.")])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="demarches.csv"'
    return response


def csv_line(row: dict) -> list[str]:
    demarche = CATALOGUE[row["demarche"]]
    answers = [
        f"{field.label} : {answer_text(field, row['fields'][field.name])}"
        for field in demarche.fields
        if row["fields"].get(field.name) not in (None, "")
    ]
    return [
        row["tracking_number"],
        row["demarche_title"],
        row["status_label"],
        paris_datetime(row["submitted_at"]),
        calendar_date(row["expected_by"]),
        row["assigned_name"],
        row["email"],
        " | ".join(answers),
    ]


def cell(value: object) -> str:
    """A cell a spreadsheet shows as text: what a citizen typed never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


NOT_A_COLLEAGUE = "Choisissez un agent qui traite cette démarche."


@bp.post("/demarches/demande/<int:request_id>/attribution")
def assign_demarche(request_id: int):
    """Take the request (``moi``), hand it to a colleague of the démarche's role (``agent``,
    checked against the accounts service's list) or give it back (``personne``)."""
    back = redirect(url_for(".demarche_request", request_id=request_id), 303)
    return _assign("assign_demarche_request", request_id, back)


@bp.post("/signalements/<int:report_id>/attribution")
def assign_report(report_id: int):
    """The same for a public-space report, from its page."""
    back = redirect(url_for(".report", report_id=report_id), 303)
    return _assign("assign_report", report_id, back)


def _assign(method: str, target_id: int, back):
    assignee = request.form.get("assignee", "")
    payload = {"assignee": assignee, "assignee_name": sessions.current_identity()["display_name"]}
    done = "Demande attribuée à vous." if assignee == "moi" else "Demande libérée."
    if assignee == "agent":
        code, chosen = request.form.get("demarche", ""), request.form.get("agent_id", "")
        names = colleagues(CATALOGUE[code].role) if code in CATALOGUE else {}
        if chosen not in names:
            flash(NOT_A_COLLEAGUE)
            return back
        payload.update(agent_id=chosen, assignee_name=names[chosen], demarche=code)
        done = f"Demande attribuée à {names[chosen]}."
    try:
        rpc().call("requests", method, sessions.current_caller(), target_id, payload)
    except (Conflict, Invalid) as exc:
        flash(exc.message)
        return back
    flash(done)
    return back


@bp.post("/signalements/statut-groupe")
def change_report_statuses():
    """Move the ticked reports to one status, all or none; the result as a message."""
    ids = [int(value) for value in request.form.getlist("report_ids") if value.isdigit()]
    payload = {
        "report_ids": ids,
        "status": request.form.get("status", ""),
        "comment": request.form.get("comment", ""),
    }
    try:
        done = rpc().call("requests", "change_report_statuses", sessions.current_caller(), payload)
    except Invalid as exc:
        flash(" ".join(m for found in exc.fields.values() for m in found) or exc.message)
    except Conflict as exc:
        flash(exc.message)
    else:
        flash(f"Statut mis à jour pour {len(done['changed'])} signalement(s) : "
              + ", ".join(done["changed"]) + ".")  # fmt: skip
    return redirect(url_for(".reports"), 303)
