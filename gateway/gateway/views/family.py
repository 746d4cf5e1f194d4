"""Mon compte famille: activating the family space, then the family's Dossier Unique.

Pages for a logged-in person; every call passes the session's caller, and the family
service answers only about families that account is linked to (``contracts.family``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from contracts import family
from contracts.errors import Invalid, TooManyRequests
from gateway import family_session, pages, sessions
from gateway.views import rpc

bp = pages.private_area(Blueprint("family", __name__))

ACTIVATION_LABELS = {
    "family_id": "Mon numéro identifiant famille",
    "family_name": "Nom de famille",
    "adult_first_name": "Prénom d'un responsable",
}
SAMPLE_REFERENCE = ("2026", "4217", "000153")
"""A sample invoice reference line; its second element is the family identifier."""
SIMPLICITE_HELP = {
    "days": "du lundi au vendredi",
    "place": "Hôtel de Ville de Caluire-et-Cuire",
    "hours": "de 8 h 30 à 12 h 15 et de 13 h 30 à 17 h 00 (le jeudi à partir de 10 h 30)",
    "phone": "04 78 98 88 00",
    "support_email": "support-grc@ville-caluire.fr",
}
"""The SimpliCité office and the support address for connection problems."""


@bp.get("/famille")
def overview():
    """The Dossier Unique of a linked family (``?famille=`` picks one among several)."""
    caller, linked = family_session.linked()
    if not linked:
        return redirect(url_for(".activation"))
    chosen = request.args.get("famille") or linked[0]["family_id"]
    dossier = rpc().call(family.SERVICE, "get_family", caller, chosen)
    return render_template(
        "family/overview.html",
        family=dossier,
        linked=linked,
        relationships=family.RELATIONSHIPS,
    )


@bp.route("/famille/activation", methods=["GET", "POST"])
def activation():
    """Link the account to a family with its identifier, its name and an adult's first name."""
    if request.method == "GET":
        return _activation_page({name: "" for name in ACTIVATION_LABELS})
    values = pages.text_values(request.form, tuple(ACTIVATION_LABELS))
    try:
        linked = rpc().call(family.SERVICE, "activate_family", sessions.current_caller(), values)
    except Invalid as exc:
        return _activation_page(values, exc.fields, None if exc.fields else exc.message)
    except TooManyRequests as exc:
        return _activation_page(values, message=exc.message, status=429)
    family_session.linked()
    flash(f"Votre espace famille est activé : famille {linked['name']}.")
    return redirect(url_for(".overview", famille=linked["family_id"]), 303)


def _activation_page(values, errors=None, message=None, status=None):
    """The form; a refusal that names no field (``_schema``) is shown at the top only."""
    return pages.form_page(
        "family/activation.html",
        ACTIVATION_LABELS,
        values,
        errors,
        message,
        status,
        sample=SAMPLE_REFERENCE,
        help=SIMPLICITE_HELP,
    )
