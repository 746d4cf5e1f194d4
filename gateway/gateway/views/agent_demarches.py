"""Back-office pages of the démarches other than public-space reports, on the agents'
blueprint (agent session required, pages not cached): a list per démarche with a status
filter, the request page with its answers and history, and the transitions its status allows.

The requests service decides who may see what: an agent of another role gets a 403 page.
"""

from __future__ import annotations

import base64

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from contracts.demarches import GENERIC
from contracts.errors import Conflict, Invalid
from gateway import forms, sessions
from gateway.views import rpc
from gateway.views.agents import bp, colleagues
from gateway.views.demarches import shown_fields

STATUS_LABELS = {
    "status": "Nouveau statut",
    "comment": "Commentaire",
    "internal_note": "Note interne",
}


@bp.get("/demarches/<code>")
def demarche_requests(code: str):
    """One démarche's requests, newest first, a page at a time, optionally one status only."""
    demarche = GENERIC.get(code)
    if demarche is None:
        abort(404)
    status = request.args.get("statut") or None
    if status not in demarche.statuses:
        status = None
    page = request.args.get("page")
    caller = sessions.current_caller()
    found = rpc().call("requests", "list_demarche_requests", caller, code, status, page)
    return render_template(
        "agents/demarche_list.html",
        demarche=demarche,
        found=found,
        status=status,
        filters={"statut": status} if status else {},
    )


@bp.get("/demarches/demande/<int:request_id>")
def demarche_request(request_id: int):
    return _detail_page(request_id, {}, {})


@bp.get("/demarches/demande/<int:request_id>/pieces/<int:attachment_id>")
def demarche_attachment(request_id: int, attachment_id: int):
    """A file joined to the request, always downloaded (a PDF is never shown in the page)."""
    caller = sessions.current_caller()
    file = rpc().call("requests", "get_demarche_attachment", caller, request_id, attachment_id)
    content = base64.b64decode(file["data"])
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg"}.get(file["content_type"], "bin")
    response = make_response(content)
    response.headers["Content-Type"] = file["content_type"]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="piece-{request_id}-{attachment_id}.{extension}"'
    )
    return response


@bp.post("/demarches/demande/<int:request_id>/statut")
def change_demarche_status(request_id: int):
    """Move the request along a transition; the comment goes to the requester."""
    change = {name: request.form.get(name, "") for name in STATUS_LABELS}
    caller = sessions.current_caller()
    try:
        rpc().call("requests", "change_demarche_status", caller, request_id, change)
    except Invalid as exc:
        return _detail_page(request_id, change, exc.fields), 422
    except Conflict as exc:  # changed meanwhile by someone else
        return _detail_page(request_id, change, {"status": [exc.message]}), 409
    flash("Statut mis à jour.")
    return redirect(url_for(".demarche_request", request_id=request_id), 303)


def _detail_page(request_id: int, values: dict, errors: dict):
    found = rpc().call("requests", "get_demarche_request", sessions.current_caller(), request_id)
    demarche = GENERIC[found["demarche"]]
    shown = forms.by_form_field(errors)
    page = render_template(
        "agents/demarche_detail.html",
        found=found,
        demarche=demarche,
        answers=shown_fields(demarche, found["fields"]),
        next_choices={code: demarche.statuses[code] for code in found["next_statuses"]},
        colleagues=colleagues(demarche.role),
        values=values,
        errors=shown,
        summary=forms.error_summary(shown, STATUS_LABELS),
    )
    return make_response(page)
