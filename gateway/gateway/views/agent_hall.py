"""Back-office pages of the salle des fêtes, on the agents' blueprint: the requests (by date),
each with its insurance certificate, accepted or refused with a reason."""

from __future__ import annotations

import base64

from flask import Response, flash, redirect, render_template, request, url_for

from contracts.errors import Conflict, Invalid
from contracts.hall import euros
from gateway import sessions
from gateway.views import rpc
from gateway.views.agents import bp

STATUSES = {"demandee": "Demandées", "acceptee": "Acceptées", "refusee": "Refusées"}


@bp.get("/salle-des-fetes")
def hall_bookings():
    status = request.args.get("statut") or None
    status = status if status in STATUSES else None
    found = rpc().call("requests", "list_hall_bookings", sessions.current_caller(), status)
    return render_template(
        "hall/agent_list.html", found=found, status=status, statuses=STATUSES, euros=euros
    )


@bp.post("/salle-des-fetes/<int:booking_id>/decision")
def decide_hall_booking(booking_id: int):
    """Accept (the rent becomes an invoice payable online) or refuse with a reason."""
    decision = {
        "decision": request.form.get("decision", ""),
        "reason": request.form.get("reason", ""),
    }
    try:
        rpc().call(
            "requests", "decide_hall_booking", sessions.current_caller(), booking_id, decision
        )
    except (Conflict, Invalid) as exc:
        messages = [text for texts in getattr(exc, "fields", {}).values() for text in texts]
        flash((messages or [exc.message])[0], "error")
    else:
        flash("Réponse enregistrée ; le demandeur est prévenu par e-mail.")
    return redirect(url_for(".hall_bookings"), 303)


@bp.get("/salle-des-fetes/<int:booking_id>/attestation")
def hall_insurance(booking_id: int):
    found = rpc().call("requests", "get_hall_insurance", sessions.current_caller(), booking_id)
    response = Response(base64.b64decode(found["data"]), mimetype=found["content_type"])
    response.headers["Content-Disposition"] = "attachment"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
