"""Mon compte, Mes informations, Mes préférences and Mon espace, for a logged-in person.

Every call passes the session's caller, so the accounts service answers about that account
only; the timeline lists what each service knows of the account, newest first.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from contracts.accounts import CIVILITIES
from contracts.errors import Invalid
from gateway import pages, sessions
from gateway.errors import ServiceUnavailable
from gateway.views import no_store, rpc
from gateway.views.registration import PROFILE_LABELS

bp = Blueprint("account", __name__)

PREFERENCES_LABELS = {"email_notifications": "Informations par e-mail"}
TIMELINE_SOURCES = (("requests", "list_account_requests"),)
"""Each service that lists an account's démarches as ``contracts.timeline.TimelineEntry``."""


@bp.before_request
@pages.login_required
def require_login():
    return None


@bp.after_request
def private(response):
    return no_store(response)


def get_account() -> dict:
    """The logged-in person's ``contracts.accounts.Account``."""
    return rpc().call("accounts", "get_account", sessions.current_caller())


@bp.get("/compte")
def overview():
    """A summary of the account and the way to each page about it."""
    return overview_page()


def overview_page(error: str | None = None, status: int = 200):
    """Mon compte, with ``error`` (a refused action) shown at the top."""
    franceconnect = current_app.extensions.get("franceconnect")
    page = render_template(
        "account/overview.html",
        account=get_account(),
        civilities=CIVILITIES,
        franceconnect_enabled=bool(franceconnect and franceconnect.enabled),
        error=error,
    )
    return no_store(make_response(page, status))


@bp.route("/compte/informations", methods=["GET", "POST"])
def profile():
    """The household details that prefill every form (``update_profile``)."""
    if request.method == "GET":
        account = get_account()
        values = {name: account.get(name) or "" for name in PROFILE_LABELS}
        return _profile_page(values)
    values = pages.text_values(request.form, tuple(PROFILE_LABELS))
    try:
        rpc().call("accounts", "update_profile", sessions.current_caller(), values)
    except Invalid as exc:
        return pages.invalid_page(
            "account/profile.html", PROFILE_LABELS, values, exc, civilities=CIVILITIES
        )
    flash("Vos informations sont enregistrées.")
    return redirect(url_for(".overview"), 303)


def _profile_page(values: dict):
    return pages.form_page("account/profile.html", PROFILE_LABELS, values, civilities=CIVILITIES)


@bp.route("/compte/preferences", methods=["GET", "POST"])
def preferences():
    """Whether progress e-mails about the person's démarches are sent (``update_preferences``)."""
    if request.method == "GET":
        values = {"email_notifications": get_account()["email_notifications"]}
        return pages.form_page("account/preferences.html", PREFERENCES_LABELS, values)
    values = {"email_notifications": pages.checked(request.form, "email_notifications")}
    try:
        rpc().call("accounts", "update_preferences", sessions.current_caller(), values)
    except Invalid as exc:
        return pages.invalid_page("account/preferences.html", PREFERENCES_LABELS, values, exc)
    flash("Vos préférences sont enregistrées.")
    return redirect(url_for(".overview"), 303)


@bp.get("/mon-espace")
def space():
    """One timeline of everything the person submitted, newest first. A service that does
    not answer leaves its entries out with a notice, rather than taking the page down."""
    entries, missing = gathered_timeline(sessions.current_caller(), tolerate_unavailable=True)
    return render_template("account/space.html", entries=entries, incomplete=bool(missing))


@bp.get("/mon-espace/messages")
def messages():
    """Every e-mail the portal wrote to the account's address, newest first, a page at a time."""
    caller = sessions.current_caller()
    found = rpc().call("notifications", "list_account_messages", caller, request.args.get("page"))
    return render_template("account/messages.html", found=found)


def timeline(caller: dict) -> list[dict]:
    """The entries of every service, merged, newest first (all of them, or ServiceUnavailable:
    the data export must not be silently partial)."""
    return gathered_timeline(caller)[0]


def gathered_timeline(
    caller: dict, tolerate_unavailable: bool = False
) -> tuple[list[dict], list[str]]:
    """The merged entries, newest first, and the services left out because they did not
    answer (only when ``tolerate_unavailable``; otherwise ServiceUnavailable propagates)."""
    entries, missing = [], []
    for service, method in TIMELINE_SOURCES:
        try:
            entries += rpc().call(service, method, caller)
        except ServiceUnavailable:
            if not tolerate_unavailable:
                raise
            missing.append(service)
    entries.sort(key=lambda entry: datetime.fromisoformat(entry["submitted_at"]), reverse=True)
    return entries, missing
