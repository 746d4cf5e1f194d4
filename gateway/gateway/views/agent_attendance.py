"""Back office of the Espace famille: the children expected at an activity on a day.

On the agents' blueprint (agent session required, pages not cached). The family service lets
only SimpliCité agents read the list (a 403 page for any other role). The page prints as it
is shown; ``?format=csv`` gives the same list as a CSV file (semicolons, UTF-8 with a byte
order mark, as spreadsheet software in France expects).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for

from contracts import family_activities
from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Invalid, NotFound
from gateway import family_forms, formatting, forms, sessions
from gateway.views import no_store, rpc
from gateway.views.agent_family import certificate_download
from gateway.views.agents import bp

ACTIVITY_LABELS = {
    "accueil_matin": "Accueil du matin",
    "restauration_scolaire": "Restauration scolaire",
    "garderie_soir": "Garderie du soir",
    "etude_soir": "Étude du soir",
    "centre_loisirs": "Centre de loisirs Caluire Juniors",
}
CSV_HEADER = ("Lieu", "Nom", "Prénom", "Classe", "N° famille", "Absence signalée", "Réservé")


@bp.get("/famille/presences")
def attendance():
    """The list of one activity on one day (today's canteen when nothing is chosen)."""
    activity = request.args.get("activite") or "restauration_scolaire"
    day = request.args.get("jour") or paris_today().isoformat()
    return _attendance_page(activity, day, csv_file=request.args.get("format") == "csv")


@bp.get("/famille/presences/certificat")
def absence_certificate():
    """The medical certificate kept with a justified absence, as a download."""
    args = request.args
    sent = rpc().call(
        family_activities.SERVICE,
        "get_absence_certificate",
        sessions.current_caller(),
        args.get("famille", ""),
        args.get("enfant", ""),
        args.get("activite", ""),
        args.get("jour", ""),
    )
    return certificate_download(sent)


def _attendance_page(activity: str, day: str, csv_file: bool = False, error: str | None = None):
    found = rpc().call(
        family_activities.SERVICE, "list_attendance", sessions.current_caller(), activity, day
    )
    if csv_file:
        return _csv(found)
    page = render_template(
        "agents/attendance.html",
        found=found,
        activities=ACTIVITY_LABELS,
        day=day,
        justifiable=[
            child
            for place in found["places"]
            for child in place["children"]
            if not child.get("unbooked") and child.get("child_id")
        ],
        summary=[(None, error)] if error else [],
        values=request.form if error else {},
    )
    return page, 422 if error else 200


@bp.post("/famille/presence-sans-reservation")
def record_unbooked_presence():
    """A child present without a booking, noted by its family number and first name."""
    names = ("family_id", "child_first_name", "activity", "day")
    payload = {name: (request.form.get(name) or "").strip() for name in names}
    try:
        rpc().call(
            family_activities.SERVICE,
            "record_unbooked_presence",
            sessions.current_caller(),
            payload,
        )
    except (Invalid, NotFound) as exc:
        fields = getattr(exc, "fields", None) or {}
        messages = [m for field in fields.values() for m in field] or [exc.message]
        return _attendance_page(payload["activity"], payload["day"], error=" ".join(messages))
    flash(f"Présence sans réservation notée : {payload['child_first_name']}.")
    target = url_for(".attendance", activite=payload["activity"], jour=payload["day"])
    return redirect(target, 303)


@bp.post("/famille/absence-justifiee")
def justify_absence():
    """A booked day's absence justified by the agent: a reason and, if any, the certificate."""
    activity, day = request.form.get("activity", ""), request.form.get("day", "")
    family_id, _, child_id = (request.form.get("child") or "").partition(":")
    payload = {
        "family_id": family_id,
        "child_id": child_id,
        "activity": activity,
        "day": day,
        "reason": request.form.get("reason", ""),
        "certificate": family_forms.certificate(request.files.get("certificate")),
    }
    try:
        rpc().call(family_activities.SERVICE, "justify_absence", sessions.current_caller(), payload)
    except (Invalid, NotFound) as exc:
        fields = getattr(exc, "fields", None) or {}
        labels = {"reason": "Motif", "certificate": "Certificat médical", "day": "Jour"}
        messages = [
            f"{labels.get(name, 'Enfant')} : {m}" for name, field in fields.items() for m in field
        ] or [exc.message]
        return _attendance_page(activity, day, error=" ".join(messages))
    flash("Absence justifiée : le jour ne sera pas facturé.")
    return redirect(url_for(".attendance", activite=activity, jour=day), 303)


@bp.post("/famille/capacite")
def set_capacity():
    """A new number of places for one place and day; the waiting list moves on at once."""
    values = {name: request.form.get(name, "") for name in ("activity", "place", "day")}
    payload = {**values, "capacity": request.form.get("capacity", "")}
    try:
        rpc().call(family_activities.SERVICE, "set_capacity", sessions.current_caller(), payload)
    except Invalid as exc:
        messages = [m for field in exc.fields.values() for m in field] or [exc.message]
        return _attendance_page(values["activity"], values["day"], error=" ".join(messages))
    flash(f"Capacité enregistrée : {payload['capacity']} places ({values['place']}).")
    target = url_for(".attendance", activite=values["activity"], jour=values["day"])
    return redirect(target, 303)


@bp.get("/famille/calendrier")
def school_calendar():
    """The school year's days month by month, the town's closures, the form to close a day."""
    return _calendar_page(request.args.get("annee") or _school_year_of(paris_today()))


def _school_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


CLOSURE_LABELS = {"day": "Jour", "reason": "Motif"}


def _calendar_page(
    year: str, error: str | None = None, values: dict | None = None, errors: dict | None = None
):
    found = rpc().call(
        family_activities.SERVICE, "get_school_calendar", sessions.current_caller(), year
    )
    months: dict[str, list[dict]] = {}
    for day in found["days"]:
        months.setdefault(formatting.month_label(date.fromisoformat(day["date"])), []).append(day)
    page = render_template(
        "agents/school_calendar.html",
        found=found,
        months=months,
        closures=[day for day in found["days"] if day["kind"] == "fermeture"],
        summary=forms.error_summary(errors, CLOSURE_LABELS) if errors else [(None, error)],
        values=values or {},
        errors=errors or {},
    )
    return page, 422 if error or errors else 200


@bp.post("/famille/fermeture")
def close_day():
    """Close every activity on a day: its bookings are cancelled, unbilled, families e-mailed."""
    values = {name: (request.form.get(name) or "").strip() for name in ("day", "reason")}
    year = request.form.get("school_year", "")
    typed = {name: value for name, value in values.items() if value}  # blank reads "obligatoire"
    try:
        done = rpc().call(family_activities.SERVICE, "close_day", sessions.current_caller(), typed)
    except (Invalid, Conflict) as exc:
        fields = forms.by_form_field(getattr(exc, "fields", None) or {})
        if fields:
            return _calendar_page(year, values=values, errors=fields)
        return _calendar_page(year, exc.message, values)
    flash(
        f"Jour fermé : {formatting.french_date(done['day'])}. {done['removed']} réservation(s) "
        "annulée(s), les familles sont prévenues par e-mail."
    )
    return redirect(url_for(".school_calendar", annee=year), 303)


@bp.post("/famille/annee-scolaire")
def school_year_step():
    """Open a school year to come (children move up a class) or publish an opened one."""
    year, step = request.form.get("school_year", ""), request.form.get("step", "")
    method = {"ouvrir": "open_school_year", "publier": "publish_school_year"}.get(step)
    if method is None:
        return _calendar_page(year, "Action inconnue.")
    try:
        done = rpc().call(family_activities.SERVICE, method, sessions.current_caller(), year)
    except (Invalid, Conflict, NotFound) as exc:
        return _calendar_page(year, exc.message)
    if step == "ouvrir":
        unknown = ", ".join(
            f"{child['first_name']} (famille {child['family_id']}, {child['class_name']})"
            for child in done["unknown"]
        )
        flash(
            f"Année {year} ouverte : {done['moved']} enfant(s) passent dans la classe suivante, "
            f"{done['left']} quittent l'école élémentaire."
            + (f" Classe à vérifier : {unknown}." if unknown else "")
        )
    else:
        flash(f"Année {year} publiée : {done['families']} famille(s) prévenue(s) par e-mail.")
    return redirect(url_for(".school_calendar", annee=year), 303)


@bp.post("/famille/reouverture")
def reopen_day():
    """Lift a closure; the families book the day again if they wish."""
    day, year = request.form.get("day", ""), request.form.get("school_year", "")
    try:
        rpc().call(family_activities.SERVICE, "reopen_day", sessions.current_caller(), day)
    except (Invalid, NotFound) as exc:
        return _calendar_page(year, exc.message)
    flash(
        f"Jour rouvert : {formatting.french_date(day)}. Les réservations annulées ne sont pas "
        "rétablies : les familles peuvent de nouveau réserver ce jour."
    )
    return redirect(url_for(".school_calendar", annee=year), 303)


def _csv(found: dict) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for place in found["places"]:
        for child in place["children"]:
            writer.writerow(
                (
                    place["place"],
                    child["last_name"],
                    child["first_name"],
                    child["class_name"] or "",
                    child["family_id"],
                    ("oui (justifiée)" if child.get("justified") else "oui")
                    if child["absent"]
                    else "non",
                    "non" if child.get("unbooked") else "oui",
                )
            )
    name = f"presences-{found['activity']}-{found['day']}.csv"
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return no_store(response)
