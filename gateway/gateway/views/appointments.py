"""Citizen pages of passport and identity-card appointments (``contracts.appointments``):
choose the type, see a day's free times, book, then follow, move or cancel from the private
manage link (the page the confirmation e-mail links to).

A time is offered once even when both stations are free at that time: the first free
station is booked, and a citizen never chooses a station.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from contracts.dates_fr import paris_today
from contracts.errors import Conflict, Invalid
from gateway import pages, sessions
from gateway.formatting import calendar_date, paris_time, to_paris
from gateway.views import no_store, public_url, rpc

bp = Blueprint("appointments", __name__, url_prefix="/rendez-vous")

LABELS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "email": "Adresse e-mail",
    "ants_number": "Numéro de pré-demande ANTS",
    "starts_at": "Horaire",
}


def types() -> dict[str, dict]:
    found = rpc().call("requests", "list_appointment_types", sessions.current_caller())
    return {kind["code"]: kind for kind in found}


def kind_or_404(code: str) -> dict:
    kind = types().get(code)
    if kind is None:
        abort(404)
    return kind


def requested_day() -> date | None:
    """The ``jour`` asked for in the address; None (the first bookable day) when malformed."""
    return requested_day_of(request.args.get("jour", ""))


def day_slots(kind: str, day: date | None, **link_args: str) -> dict:
    """The free slots of ``day`` (the first bookable day when None), each time once, with
    links to the days before and after (keeping ``link_args``)."""
    caller = sessions.current_caller()
    found = rpc().call(
        "requests", "list_free_slots", caller, kind, (day or paris_today()).isoformat()
    )
    first = date.fromisoformat(found["first_day"])
    if day is None or day < first:
        found = rpc().call("requests", "list_free_slots", caller, kind, first.isoformat())
        if day is None and not found["slots"] and found.get("next_free_day"):
            # A first visit lands on the first day with a free time, not on a full one.
            found = rpc().call("requests", "list_free_slots", caller, kind, found["next_free_day"])
    times, seen = [], set()
    for slot in found["slots"]:
        local = to_paris(slot["starts_at"])
        if local not in seen:
            seen.add(local)
            times.append({**slot, "label": paris_time(local)})
    shown = date.fromisoformat(found["day"])
    next_free = date.fromisoformat(found["next_free_day"]) if found.get("next_free_day") else None
    last = date.fromisoformat(found["last_day"])

    def link(other: date) -> str:
        args = {**request.view_args, **link_args, "jour": other.isoformat()}
        return url_for(request.endpoint, **args)

    return {
        **found,
        "times": times,
        "previous_url": link(shown - timedelta(days=1)) if shown > first else None,
        "next_url": link(shown + timedelta(days=1)) if shown < last else None,
        "next_free_url": link(next_free) if next_free else None,
        "next_free_label": calendar_date(next_free.isoformat()) if next_free else None,
    }


@bp.get("")
def choose_type():
    """The kinds of appointment, with their duration."""
    return render_template("appointments/types.html", types=types().values())


@bp.get("/<kind>")
def day_view(kind: str):
    """A day's free times for ``kind``; another day through the date field or the arrows."""
    found = kind_or_404(kind)
    slots = day_slots(kind, requested_day())
    page = "appointments/day.html"
    return render_template(page, kind=found, found=slots, move=None, values=_prefill(), errors={})


@bp.route("/<kind>/reserver", methods=["GET", "POST"])
def book(kind: str):
    """The booking form of one chosen time; on POST, book it and show the confirmation."""
    found = kind_or_404(kind)
    slot = {"desk": request.values.get("poste", ""), "starts_at": request.values.get("debut", "")}
    if request.method == "GET":
        return _booking_page(found, slot, _prefill())
    values = pages.text_values(request.form, ("last_name", "first_name", "email", "ants_number"))
    payload = {"type": kind, **slot, **values}
    try:
        booked = rpc().call("requests", "book_appointment", sessions.current_caller(), payload)
    except Invalid as exc:
        return _booking_page(found, slot, values, exc)
    except Conflict as exc:
        return _booking_page(found, slot, values, message=exc.message, status=409)
    target = url_for(".manage", reference=booked["reference"], cle=booked["manage_key"], nouveau=1)
    return redirect(target, 303)


def _prefill() -> dict:
    if sessions.current_identity() is None:
        return {}
    account = rpc().call("accounts", "get_account", sessions.current_caller())
    return {
        "email": account["email"],
        "first_name": account["given_name"],
        "last_name": account["family_name"],
    }


def _booking_page(kind, slot, values, exc: Invalid | None = None, message=None, status=None):
    context = {"kind": kind, "slot": slot, "when": _when(slot["starts_at"]), "summary_title": None}
    template = "appointments/book.html"
    if exc is not None:
        return pages.invalid_page(template, LABELS, values, exc, **context)
    return pages.form_page(template, LABELS, values, None, message, status, **context)


def _when(starts_at: str) -> str | None:
    try:
        local = to_paris(starts_at)
    except ValueError:
        return None
    return f"{local:%d/%m/%Y} à {paris_time(local)}"


WAITING_LABELS = {"last_name": "Nom", "first_name": "Prénom", "email": "Adresse e-mail"}


@bp.post("/<kind>/liste-d-attente")
def join_waiting_list(kind: str):
    """Be told when a slot of this type is freed in the week of the day shown."""
    found = kind_or_404(kind)
    values = pages.text_values(request.form, tuple(WAITING_LABELS))
    day = request.form.get("jour", "")
    payload = {"type": kind, "day": day, **values}
    message, status = None, 200
    try:
        rpc().call("requests", "join_waiting_list", sessions.current_caller(), payload)
    except (Invalid, Conflict) as exc:
        messages = [text for texts in getattr(exc, "fields", {}).values() for text in texts]
        message, status = (messages or [exc.message])[0], 422 if isinstance(exc, Invalid) else 409
    slots = day_slots(kind, requested_day_of(day))
    page = render_template(
        "appointments/day.html",
        kind=found,
        found=slots,
        move=None,
        message=message,
        values=values,
        errors={},
        joined=message is None,
    )
    return no_store(make_response(page, status))


def requested_day_of(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@bp.post("/gerer/<reference>/confirmer")
def confirm_held(reference: str):
    """Book the slot held for someone of the waiting list."""
    key = request.form.get("cle", "")
    caller = sessions.current_caller()
    ants = request.form.get("ants_number", "").strip()
    try:
        rpc().call("requests", "confirm_held_appointment", caller, reference, key, ants)
    except (Invalid, Conflict) as exc:
        found = rpc().call("requests", "get_managed_appointment", caller, reference, key)
        messages = [text for texts in getattr(exc, "fields", {}).values() for text in texts]
        return _manage_page(found, key, (messages or [exc.message])[0], 409)
    return redirect(url_for(".manage", reference=reference, cle=key, nouveau=1), 303)


@bp.get("/gerer/<reference>")
def manage(reference: str):
    """The appointment behind a manage link, with its move and cancel actions."""
    key = request.args.get("cle", "")
    caller = sessions.current_caller()
    found = rpc().call("requests", "get_managed_appointment", caller, reference, key)
    return _manage_page(found, key)


def _manage_page(found: dict, key: str, message: str | None = None, status: int = 200):
    page = render_template(
        "appointments/manage.html",
        found=found,
        kind=types().get(found["type"]),
        key=key,
        when=_when(found["starts_at"]),
        private_link=public_url(url_for(".manage", reference=found["reference"], cle=key)),
        is_new=request.args.get("nouveau") == "1",
        message=message,
        values={},
        errors={},
    )
    return no_store(make_response(page, status))


@bp.post("/gerer/<reference>/annuler")
def cancel(reference: str):
    key = request.form.get("cle", "")
    caller = sessions.current_caller()
    try:
        rpc().call("requests", "cancel_appointment", caller, reference, key)
    except Conflict as exc:
        found = rpc().call("requests", "get_managed_appointment", caller, reference, key)
        return _manage_page(found, key, exc.message, 409)
    return redirect(url_for(".manage", reference=reference, cle=key), 303)


@bp.route("/gerer/<reference>/deplacer", methods=["GET", "POST"])
def move(reference: str):
    """The free times of the appointment's type; choosing one moves it there at once."""
    key = request.values.get("cle", "")
    caller = sessions.current_caller()
    found = rpc().call("requests", "get_managed_appointment", caller, reference, key)
    message, status = None, 200
    if request.method == "POST":
        slot = {"desk": request.form.get("poste", ""), "starts_at": request.form.get("debut", "")}
        try:
            rpc().call("requests", "move_appointment", caller, reference, key, slot)
        except Conflict as exc:
            message, status = exc.message, 409
        except Invalid as exc:
            messages = [text for texts in exc.fields.values() for text in texts]
            message, status = (messages or [exc.message])[0], 422
        else:
            return redirect(url_for(".manage", reference=reference, cle=key), 303)
    kind = kind_or_404(found["type"])
    slots = day_slots(found["type"], requested_day(), cle=key)
    page = render_template(
        "appointments/day.html",
        kind=kind,
        found=slots,
        move=found,
        key=key,
        message=message,
        values={},
        errors={},
    )
    return no_store(make_response(page, status))
