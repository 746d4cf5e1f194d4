"""Espace famille: a child's activities, enrolment, days with their deadlines, the planning.

Pages for a logged-in parent, phone-first. Every call passes the session's caller and names
the family and the child; the family service answers only about families the account is
linked to (``contracts.family_activities``), so ids in the address grant nothing. The
private ``.ics`` feed is the one public address: its secret is the key, and renewing it
revokes the old one.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from contracts import family, family_activities
from contracts.dates_fr import paris_today
from contracts.errors import Invalid
from gateway import family_session, pages, sessions
from gateway.views import no_store, public_url, rpc

bp = pages.private_area(Blueprint("family_activities", __name__))
feeds = Blueprint("family_feeds", __name__)

CHILD = "/famille/<family_id>/enfants/<int:child_id>"
WEEKDAYS = {"0": "Lundi", "1": "Mardi", "2": "Mercredi", "3": "Jeudi", "4": "Vendredi"}
ENROL_LABELS = {"weekdays": "Jours de la semaine type", "start": "Du", "end": "Au"}


@bp.get("/famille/activites")
def children():
    """The children of the chosen family, each with a link to their activities."""
    caller, linked = family_session.linked()
    if not linked:
        return redirect(url_for("family.activation"))
    chosen = request.args.get("famille") or linked[0]["family_id"]
    dossier = rpc().call(family.SERVICE, "get_family", caller, chosen)
    return render_template("family/children.html", family=dossier, linked=linked)


@bp.get(f"{CHILD}/activites")
def activities(family_id: str, child_id: int):
    return _activities_page(family_id, child_id)


def _activities_page(family_id, child_id, errors=None, message=None, values=None, status=None):
    caller = family_session.caller(family_id)
    offer = rpc().call(family.SERVICE, "list_child_activities", caller, family_id, child_id)
    today = paris_today()
    defaults = {"start": today.isoformat(), "end": (today + timedelta(weeks=4)).isoformat()}
    return pages.form_page(
        "family/activities.html",
        ENROL_LABELS,
        values or defaults,
        errors,
        message,
        status,
        offer=offer,
        weekdays=WEEKDAYS,
        today=today.isoformat(),
    )


@bp.post(f"{CHILD}/inscription/<activity>")
def enrol(family_id: str, child_id: int, activity: str):
    """Book a typical week from one date to another."""
    values = pages.text_values(request.form, ("start", "end"))
    payload = {
        "family_id": family_id,
        "child_id": child_id,
        "activity": activity,
        "weekdays": request.form.getlist("weekdays"),
        "start": values["start"],
        "end": values["end"],
        "whole_weeks": pages.checked(request.form, "whole_weeks"),
    }
    try:
        result = rpc().call(
            family.SERVICE, "enrol_child", family_session.caller(family_id), payload
        )
    except Invalid as exc:
        return _activities_page(family_id, child_id, exc.fields, exc.message, values)
    flash(_summary(result))
    return redirect(url_for(".activities", family_id=family_id, child_id=child_id), 303)


@bp.post(f"{CHILD}/jours/<activity>")
def change_days(family_id: str, child_id: int, activity: str):
    """The days ticked among those shown (still open) become the booked ones; a booked day
    past its deadline can be declared as an absence."""
    shown = set(request.form.getlist("shown"))
    booked = set(request.form.getlist("booked"))
    ticked = set(request.form.getlist("days"))
    payload = {
        "family_id": family_id,
        "child_id": child_id,
        "activity": activity,
        "add": sorted((ticked & shown) - booked),
        "remove": sorted((shown & booked) - ticked),
        "absent": request.form.getlist("absent"),
    }
    try:
        result = rpc().call(
            family.SERVICE, "change_attendance", family_session.caller(family_id), payload
        )
    except Invalid as exc:
        messages = [m for field in exc.fields.values() for m in field]
        return _activities_page(family_id, child_id, message=" ; ".join(messages) or exc.message)
    flash(_summary(result))
    return redirect(url_for(".activities", family_id=family_id, child_id=child_id), 303)


def _summary(result: dict) -> str:
    """The French sentence that confirms a change."""
    parts = []
    for key, label in (
        ("added", "jour(s) réservé(s)"),
        ("removed", "jour(s) annulé(s)"),
        ("absent", "absence(s) signalée(s)"),
        ("waiting", "jour(s) en liste d'attente"),
        ("withdrawn", "jour(s) retiré(s) de la liste d'attente"),
    ):
        if result.get(key):
            parts.append(f"{len(result[key])} {label}")
    if result["past_deadline"]:
        parts.append(f"{len(result['past_deadline'])} jour(s) non réservé(s), date limite passée")
    return (
        "Modifications enregistrées : " + ", ".join(parts) + "."
        if parts
        else ("Aucune modification.")
    )


@bp.get(f"{CHILD}/planning")
def planning(family_id: str, child_id: int):
    """The month (``?mois=2027-01``) or the week (``?semaine=2027-01-04``) of a child."""
    start, end, view = _period(request.args)
    caller = family_session.caller(family_id)
    found = rpc().call(
        family.SERVICE,
        "get_planning",
        caller,
        family_id,
        child_id,
        start.isoformat(),
        end.isoformat(),
    )
    by_day: dict[str, list] = {}
    for item in found["days"]:
        by_day.setdefault(item["date"], []).append(item)
    step = timedelta(weeks=1) if view == "semaine" else timedelta(days=32)
    return render_template(
        "family/planning.html",
        planning=found,
        by_day=by_day,
        view=view,
        start=start,
        end=end,
        previous=_anchor(view, start - (step if view == "semaine" else timedelta(days=1))),
        following=_anchor(view, start + step),
        family_id=family_id,
    )


def _period(args) -> tuple[date, date, str]:
    try:
        if "semaine" in args:
            monday = date.fromisoformat(args["semaine"])
            monday -= timedelta(days=monday.weekday())
            return monday, monday + timedelta(days=6), "semaine"
        first = date.fromisoformat(args["mois"] + "-01") if "mois" in args else paris_today()
    except ValueError:
        first = paris_today()
    first = first.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1), "mois"


def _anchor(view: str, day: date) -> dict:
    if view == "semaine":
        return {"semaine": day.isoformat()}
    return {"mois": f"{day:%Y-%m}"}


@bp.route(f"{CHILD}/calendrier", methods=["GET", "POST"])
def calendar(family_id: str, child_id: int):
    """The private address of the child's ``.ics`` feed; POST makes a new one."""
    caller = family_session.caller(family_id)
    method = "renew_calendar_feed" if request.method == "POST" else "get_calendar_feed"
    feed = rpc().call(family.SERVICE, method, caller, family_id, child_id)
    if request.method == "POST":
        flash("Nouvelle adresse créée : l'ancienne ne fonctionne plus.")
        return redirect(url_for(".calendar", family_id=family_id, child_id=child_id), 303)
    address = public_url(url_for("family_feeds.feed", secret=feed["secret"]))
    return render_template(
        "family/calendar.html", address=address, family_id=family_id, child_id=child_id
    )


@feeds.get("/famille/calendrier/<secret>.ics")
def feed(secret: str):
    """A child's planning for a phone calendar; 404 once the address was renewed."""
    anonymous = sessions.current_caller()
    text = rpc().call(family_activities.SERVICE, "calendar_feed", anonymous, secret)
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="planning.ics"'
    return no_store(response)
