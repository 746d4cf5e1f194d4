"""Back-office pages of the passport office, on the agents' blueprint: the day's appointments
per station (printable), present or absent, a slot or a whole day closed, a booking at the
counter, and the monthly no-show figures. The requests service checks the agent's role.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask import flash, redirect, render_template, request, url_for

from contracts.errors import Conflict, Invalid
from gateway import pages, sessions
from gateway.formatting import PARIS
from gateway.views import rpc
from gateway.views.agents import bp

DESKS = {"station-1": "Station biométrique 1", "station-2": "Station biométrique 2"}
BLOCK_LABELS = {"jour": "Jour", "desk": "Station", "debut": "De", "fin": "À", "reason": "Motif"}
COUNTER_LABELS = {
    "creneau": "Horaire",
    "last_name": "Nom",
    "first_name": "Prénom",
    "email": "Adresse e-mail",
    "ants_number": "Numéro de pré-demande ANTS",
}


def chosen_day() -> date:
    try:
        return date.fromisoformat(request.values.get("jour", ""))
    except ValueError:
        return datetime.now(PARIS).date()


@bp.get("/rendez-vous")
def appointment_day():
    """The day's appointments, by time, for one station or both."""
    day, desk = chosen_day(), request.args.get("poste") or None
    caller = sessions.current_caller()
    found = rpc().call("requests", "list_day_appointments", caller, day.isoformat(), desk)
    return render_template(
        "appointments/agent_day.html", found=found, day=day, desk=desk, desks=DESKS
    )


@bp.post("/rendez-vous/<int:appointment_id>/presence")
def mark_appointment(appointment_id: int):
    caller = sessions.current_caller()
    try:
        rpc().call("requests", "mark_appointment", caller, appointment_id, request.form["statut"])
    except (Conflict, Invalid) as exc:
        flash(exc.message, "error")
    return redirect(url_for(".appointment_day", jour=request.form.get("jour")), 303)


@bp.route("/rendez-vous/fermer", methods=["GET", "POST"])
def block_appointments():
    """Close a station's stretch of time, or a whole day for every station."""
    values = pages.text_values(request.form, tuple(BLOCK_LABELS))
    if request.method == "GET":
        return _block_page({"jour": chosen_day().isoformat(), "debut": "", "fin": ""})
    try:
        day = date.fromisoformat(values["jour"])
        start = time.fromisoformat(values["debut"]) if values["debut"] else time(0)
        end_day = day if values["fin"] else date.fromordinal(day.toordinal() + 1)
        end = time.fromisoformat(values["fin"]) if values["fin"] else time(0)
    except ValueError:
        return _block_page(
            values,
            Invalid("Le formulaire contient des erreurs.", {"jour": ["Date ou heure invalide."]}),
        )
    payload = {
        "desk": values["desk"] or None,
        "starts_at": datetime.combine(day, start, tzinfo=PARIS).isoformat(),
        "ends_at": datetime.combine(end_day, end, tzinfo=PARIS).isoformat(),
        "reason": values["reason"],
    }
    try:
        kept = rpc().call("requests", "block_appointment_slots", sessions.current_caller(), payload)
    except Invalid as exc:
        return _block_page(values, exc)
    flash(f"Fermeture enregistrée. Rendez-vous déjà pris sur ce créneau : {len(kept)}.")
    return redirect(url_for(".appointment_day", jour=day.isoformat()), 303)


def _block_page(values: dict, exc: Invalid | None = None):
    context = {"desks": DESKS, "summary_title": None}
    template = "appointments/agent_block.html"
    if exc is not None:
        fields = {
            {"starts_at": "debut", "ends_at": "fin"}.get(k, k): v for k, v in exc.fields.items()
        }
        return pages.form_page(
            template, BLOCK_LABELS, values, fields, None if fields else exc.message, **context
        )
    return pages.form_page(template, BLOCK_LABELS, values, **context)


@bp.route("/rendez-vous/guichet", methods=["GET", "POST"])
def counter_booking():
    """Book for a citizen at the counter: a type, then a free time of the chosen day."""
    kind = request.values.get("type", "passeport")
    day = chosen_day()
    caller = sessions.current_caller()
    slots = rpc().call("requests", "list_free_slots", caller, kind, day.isoformat())
    types = rpc().call("requests", "list_appointment_types", caller)
    context = {
        "types": types,
        "kind": kind,
        "day": day,
        "slots": slots["slots"],
        "summary_title": None,
    }
    values = pages.text_values(request.form, tuple(COUNTER_LABELS))
    if request.method == "GET":
        return pages.form_page("appointments/agent_counter.html", COUNTER_LABELS, values, **context)
    desk, _, starts_at = values["creneau"].partition("|")
    payload = {"type": kind, "desk": desk, "starts_at": starts_at, **values}
    try:
        booked = rpc().call("requests", "book_appointment_at_counter", caller, payload)
    except Invalid as exc:
        return pages.invalid_page(
            "appointments/agent_counter.html", COUNTER_LABELS, values, exc, **context
        )
    except Conflict as exc:
        return pages.form_page(
            "appointments/agent_counter.html",
            COUNTER_LABELS,
            values,
            None,
            exc.message,
            409,
            **context,
        )
    flash(f"Rendez-vous {booked['reference']} réservé ; la confirmation part par e-mail.")
    return redirect(url_for(".appointment_day", jour=booked["starts_at"][:10]), 303)


@bp.get("/rendez-vous/statistiques")
def appointment_statistics():
    """Per month of a year: appointments, present, absent (no-shows), cancelled."""
    year = request.args.get("annee", type=int) or datetime.now(PARIS).year
    found = rpc().call("requests", "no_show_statistics", sessions.current_caller(), year)
    return render_template("appointments/agent_statistics.html", months=found, year=year)
