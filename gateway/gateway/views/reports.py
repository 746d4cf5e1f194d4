"""Citizen pages for public-space reports: the report form and the private tracking page.

A logged-in citizen finds the form prefilled from their account (e-mail, address), and the
report is sent with their caller, so it is attached to the account and shows in Mon espace.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from contracts.errors import Conflict, Invalid, NotFound, TooManyRequests
from contracts.fields_fr import REQUIRED
from gateway import forms, photos, security, sessions, submissions
from gateway.errors import with_retry_after
from gateway.views import no_store, public_url, rpc

bp = Blueprint("reports", __name__)

TRACK_LABELS = {"numero": "Numéro de suivi", "cle": "Clé de suivi"}
MAKE_ANYWAY = "nouveau_quand_meme"
"""Form field: the citizen saw the similar reports and still makes their own."""
PHOTO_AGAIN = (
    "Pour votre sécurité, le navigateur n'a pas gardé la photo : choisissez-la de nouveau."
)


@bp.route("/signalements/nouveau", methods=["GET", "POST"])
def new_report():
    """Show the form; on POST send the report and go to its tracking page."""
    if request.method == "GET":
        return _form_page(_prefill(), {})
    try:
        payload = submissions.from_form(request.form, request.files)
        similar = _similar_reports(payload)
        if similar:
            values = {**request.form.to_dict(), "follow_email": request.form.get("email", "")}
            return _form_page(values, _photo_again({}), similar=similar)
        report = rpc().call("requests", "submit_report", sessions.current_caller(), payload)
    except Invalid as exc:
        errors = _photo_again(forms.by_form_field(exc.fields))
        return _form_page(request.form.to_dict(), errors), 422
    except TooManyRequests as exc:
        page = make_response(_form_page(request.form.to_dict(), {}, exc.message), 429)
        return with_retry_after(page, exc)
    target = url_for(
        ".track", tracking_number=report["tracking_number"], cle=report["tracking_key"], nouveau=1
    )
    return redirect(target, 303)


def _photo_again(errors: dict) -> dict:
    """Ask for the photo again when the form comes back: browsers do not keep a file."""
    chosen = [photo for photo in request.files.getlist("photo") if photo.filename]
    if chosen and "photo" not in errors:
        errors["photo_again"] = [PHOTO_AGAIN]
    return errors


def _similar_reports(payload: dict) -> list[dict]:
    """Open reports of the same category within 50 m of a placed report, unless the citizen
    already saw them and chose to make their own."""
    if request.form.get(MAKE_ANYWAY) or payload.get("latitude") is None:
        return []
    place = {key: payload[key] for key in ("category", "latitude", "longitude")}
    return rpc().call("requests", "find_similar_reports", sessions.current_caller(), place)


FOLLOW_LABELS = {"follow_email": "Votre adresse e-mail pour suivre ce signalement"}


@bp.post("/signalements/suivre")
def follow():
    """Follow an open report instead of making the same one again: its e-mails come to the
    address given."""
    number = request.form.get("numero", "").strip()
    email = request.form.get("follow_email", "").strip()
    sent = {"tracking_number": number, "email": email, "client_ip": sessions.client_ip()}
    try:
        followed = rpc().call("requests", "follow_report", sessions.current_caller(), sent)
    except Invalid as exc:
        fields = forms.by_form_field(exc.fields)
        errors = {"follow_email": fields.get("email", [exc.message])}
        page = render_template(
            "reports/follow_error.html",
            values={"tracking_number": number, "follow_email": email},
            errors=errors,
            summary=forms.error_summary(errors, FOLLOW_LABELS),
        )
        return page, 422
    except (Conflict, TooManyRequests) as exc:
        flash(exc.message)
        return redirect(url_for(".new_report"), 303)
    return render_template("reports/followed.html", report=followed, email=email)


def _prefill() -> dict:
    """The account's e-mail and postal address, so a citizen never types them twice."""
    if sessions.current_identity() is None:
        return {}
    account = rpc().call("accounts", "get_account", sessions.current_caller())
    town = " ".join(part for part in (account["postal_code"], account["city"]) if part)
    address = ", ".join(part for part in (account["street"], town) if part)
    return {"email": account["email"], "address": address}


def _form_page(
    values: dict, errors: dict, message: str | None = None, similar: list | None = None
) -> Response:
    notice = errors.pop("photo_again", None)
    summary = forms.error_summary(errors, submissions.LABELS)
    if message:
        summary.insert(0, (None, message))
    page = render_template(
        "reports/new.html",
        values=values,
        errors=errors,
        summary=summary,
        photo_notice=notice[0] if notice else None,
        similar=similar or [],
        make_anyway=MAKE_ANYWAY,
    )
    return security.allow_images_from(make_response(page), current_app.config["MAP_TILE_URL"])


@bp.get("/suivi")
def track_form():
    """Ask for the tracking number and key printed on the confirmation, then show the report."""
    number = request.args.get("numero", "").strip().upper()
    key = request.args.get("cle", "").strip()
    if number and key:
        return redirect(url_for(".track", tracking_number=number, cle=key), 303)
    errors: dict[str, list[str]] = {}
    if "numero" in request.args or "cle" in request.args:
        errors = {
            name: [REQUIRED] for name, value in (("numero", number), ("cle", key)) if not value
        }
    page = render_template(
        "reports/track_form.html",
        values={"numero": number, "cle": key},
        errors=errors,
        summary=forms.error_summary(errors, TRACK_LABELS),
    )
    return page, 422 if errors else 200


@bp.get("/suivi/<tracking_number>")
def track(tracking_number: str):
    """The report's status and history, for whoever holds its private link; a report resolved
    less than 30 days ago offers to reopen it."""
    key = request.args.get("cle", "").strip()
    if not key:
        return redirect(url_for(".track_form", numero=tracking_number))
    return _track_page(tracking_number, key, {}, {})


REOPEN_LABELS = {"reason": "Pourquoi rouvrir ce signalement"}


@bp.post("/suivi/<tracking_number>/rouvrir")
def reopen(tracking_number: str):
    """The author reopens a resolved report, saying why."""
    key = request.form.get("cle", "").strip()
    values = {"reason": (request.form.get("reason") or "").strip()}
    caller = sessions.current_caller()
    try:
        rpc().call("requests", "reopen_report", caller, tracking_number, key, values)
    except Invalid as exc:
        return _track_page(tracking_number, key, values, exc.fields), 422
    except Conflict as exc:
        flash(exc.message)
    else:
        flash("Signalement rouvert : le service en est informé.")
    return redirect(url_for(".track", tracking_number=tracking_number, cle=key), 303)


def _track_page(tracking_number: str, key: str, values: dict, errors: dict):
    report = rpc().call(
        "requests", "get_tracked_report", sessions.current_caller(), tracking_number, key
    )
    link = public_url(url_for(".track", tracking_number=report["tracking_number"], cle=key))
    shown = forms.by_form_field(errors)
    page = render_template(
        "reports/track.html",
        report=report,
        tracking_key=key,
        private_link=link,
        is_new=request.args.get("nouveau") == "1",
        values=values,
        errors=shown,
        summary=forms.error_summary(shown, REOPEN_LABELS),
    )
    return no_store(make_response(page))


@bp.get("/suivi/<tracking_number>/photo", defaults={"position": 1})
@bp.get("/suivi/<tracking_number>/photo/<int:position>")
def track_photo(tracking_number: str, position: int):
    """A photo of the report (re-encoded JPEG without metadata), behind the same private key;
    ``/photo`` is the first, as links sent before several photos were allowed say."""
    key = request.args.get("cle", "").strip()
    if not key:
        raise Invalid("La clé de suivi est obligatoire.", {"cle": [REQUIRED]})
    caller = sessions.current_caller()
    photo = rpc().call(
        "requests", "get_tracked_report_photo", caller, tracking_number, key, position
    )
    return photos.response(photo)


@bp.route("/signalements/ne-plus-suivre/<tracking_number>", methods=["GET", "POST"])
def unfollow(tracking_number: str):
    """The link in each e-mail a follower gets: a page asking to confirm (a mail scanner that
    opens links changes nothing), then the follow is removed. No account needed: the key in
    the link is that follower's own."""
    key = (request.values.get("cle") or "").strip()
    context = {"tracking_number": tracking_number, "key": key, "left": None, "message": None}
    if request.method == "GET":
        return no_store(make_response(render_template("reports/unfollow.html", **context)))
    sent = {"tracking_number": tracking_number, "key": key}
    try:
        left = rpc().call("requests", "unfollow_report", sessions.current_caller(), sent)
    except (Invalid, NotFound) as exc:
        page = render_template("reports/unfollow.html", **{**context, "message": exc.message})
        return no_store(make_response(page, 404))
    page = render_template("reports/unfollow.html", **{**context, "left": left})
    return no_store(make_response(page))
