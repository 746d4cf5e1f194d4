"""Rules of the generic démarches, driven by their definitions (``contracts.demarches``).

Functions take a ``DemarcheRequests`` store and return plain objects, free of nameko and
SQLAlchemy, so that every rule can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from contracts.demarches import CATALOGUE, ESPACE_PUBLIC, GENERIC, Demarche
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.requests import EXPECTED_DAYS
from requests_service.domain import PARIS, find_by_tracking_link, new_tracking_key

TRACKING_NOT_FOUND = "Aucune démarche ne correspond à ce numéro et à cette clé de suivi."
REQUEST_NOT_FOUND = "Cette démarche n'existe pas."
UNKNOWN_DEMARCHE = "Cette démarche n'existe pas."
ACCOUNT_REQUIRED = "Connectez-vous pour faire cette démarche."
NOT_YOUR_ROLE = "Cette démarche est traitée par un autre service."
REASON_REQUIRED = "Indiquez le motif : il sera envoyé au demandeur."


class DemarcheRequests(Protocol):
    def next_sequence(self, demarche: str, year: int) -> int: ...
    def add(self, **fields: Any) -> Any: ...
    def add_status_change(self, request: Any, **fields: Any) -> Any: ...
    def add_attachment(self, request: Any, **fields: Any) -> Any: ...
    def get(self, request_id: int, for_change: bool = False) -> Any | None: ...
    def find_by_number(self, tracking_number: str) -> Any | None: ...


def definition(code: Any) -> Demarche:
    """The definition of a generic démarche; NotFound for any other code."""
    found = GENERIC.get(code) if isinstance(code, str) else None
    if found is None:
        raise NotFound(UNKNOWN_DEMARCHE)
    return found


def require_agent(who: dict, demarche: Demarche | None = None) -> dict:
    """``who``, if they process ``demarche`` (its role, or admin), or any generic démarche
    when it is None; Forbidden otherwise."""
    roles = {d.role for d in ([demarche] if demarche else GENERIC.values())} | {"admin"}
    if not set(who.get("roles") or ()) & roles:
        raise Forbidden(NOT_YOUR_ROLE)
    return who


def submit(
    store: DemarcheRequests,
    caller: dict,
    demarche: Demarche,
    fields: dict,
    now: datetime,
    files: Sequence[Any] = (),
):
    """Store a request with validated ``fields`` and its cleaned ``files``
    (``attachments.CleanFile``), numbered per démarche in the Paris year; each file's answer
    is its name."""
    if demarche.account_required and not caller.get("account_id"):
        raise Forbidden(ACCOUNT_REQUIRED)
    year = now.astimezone(PARIS).year
    sequence = store.next_sequence(demarche.code, year)
    request = store.add(
        demarche=demarche.code,
        tracking_number=f"{demarche.prefix}-{year}-{sequence:06d}",
        tracking_key=new_tracking_key(),
        payload={**fields, **{file.field: file.filename for file in files}},
        email=fields["email"],
        account_id=caller.get("account_id"),
        status=demarche.initial_status,
        submitted_at=now,
        updated_at=now,
    )
    store.add_status_change(
        request, status=demarche.initial_status, comment="", changed_by=None, changed_at=now
    )
    attach(store, request, files, now)
    return request


def attach(store: DemarcheRequests, request: Any, files: Sequence[Any], now: datetime) -> None:
    """Join cleaned files (``attachments.CleanFile``) to ``request``."""
    for file in files:
        store.add_attachment(
            request,
            field=file.field,
            filename=file.filename,
            content_type=file.content_type,
            data=file.data,
            added_at=now,
        )


def find_tracked(store: DemarcheRequests, number: Any, key: Any) -> Any:
    """The request behind a tracking link; a wrong key looks like an unknown number."""
    return find_by_tracking_link(store, number, key, TRACKING_NOT_FOUND)


def get_for_agent(store: DemarcheRequests, who: dict, request_id: Any, for_change=False):
    """The request with ``request_id``, if ``who`` processes its démarche. Someone who
    processes none learns nothing, not even whether the id exists."""
    require_agent(who)
    valid = isinstance(request_id, int) and not isinstance(request_id, bool)
    request = store.get(request_id, for_change) if valid else None
    if request is None:
        raise NotFound(REQUEST_NOT_FOUND)
    require_agent(who, GENERIC[request.demarche])
    return request


ATTACHMENT_NOT_FOUND = "Cette pièce jointe n'existe pas."


def attachment_of(store: Any, request: Any, attachment_id: Any) -> tuple[str, bytes]:
    """(content type, bytes) of one file of ``request``; NotFound for any other id."""
    valid = isinstance(attachment_id, int) and not isinstance(attachment_id, bool)
    found = store.attachment_data(request, attachment_id) if valid else None
    if found is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return found[0], found[1]


def status_filter(demarche: Demarche, status: Any) -> str | None:
    if status is None or status in demarche.statuses:
        return status
    raise Invalid("Le filtre est invalide.", {"status": ["Choix inconnu."]})


def change_status(request: Any, store: DemarcheRequests, agent: dict, data: dict, now) -> str:
    """Move ``request`` along an allowed transition, with a history row; the previous status."""
    demarche = GENERIC[request.demarche]
    previous, new = request.status, data["status"]
    labels = demarche.statuses
    if new not in labels:
        raise Invalid("Le formulaire contient des erreurs.", {"status": ["Choix inconnu."]})
    if new not in demarche.transitions[previous]:
        raise Conflict(
            f"Une démarche « {labels[previous]} » ne peut pas passer à « {labels[new]} »."
        )
    if new in demarche.reason_required and not data.get("comment"):
        raise Invalid("Le formulaire contient des erreurs.", {"comment": [REASON_REQUIRED]})
    request.status, request.updated_at = new, now
    store.add_status_change(
        request,
        status=new,
        comment=data.get("comment", ""),
        internal_note=data.get("internal_note", ""),
        changed_by=agent.get("account_id"),
        changed_at=now,
    )
    return previous


WAITING, ANSWERED = "en_attente", "en_cours"
NOT_WAITING = "Cette démarche n'attend pas de réponse de votre part."


def answer(request: Any, store: DemarcheRequests, who: dict, data: dict, files, now) -> str:
    """The requester's answer to a request waiting for them: their text becomes the step's
    comment, their files join the request, and it goes back to ``en_cours``; the previous
    status."""
    if request.status != WAITING:
        raise Conflict(NOT_WAITING)
    request.status, request.updated_at = ANSWERED, now
    store.add_status_change(
        request,
        status=ANSWERED,
        comment=data["message"],
        changed_by=who.get("account_id"),
        changed_at=now,
        by_requester=True,
    )
    attach(store, request, files, now)
    return WAITING


def paris_day(now: datetime) -> date:
    """The date in Europe/Paris at the instant ``now``: démarche rules count days there."""
    return now.astimezone(PARIS).date()


def expected_by(demarche: Demarche, submitted_at: datetime) -> date:
    """The Paris date by which the town expects to have processed the request."""
    return paris_day(submitted_at) + timedelta(days=demarche.expected_days)


def is_report(request: Any) -> bool:
    """A public-space report: its answers are columns of its own, not a JSON payload."""
    return request.demarche == ESPACE_PUBLIC.code


def expected_days(request: Any) -> int:
    """Days the town expects to take: per category for a report, per démarche otherwise."""
    if is_report(request):
        return EXPECTED_DAYS[request.category]
    return CATALOGUE[request.demarche].expected_days


def request_expected_by(request: Any) -> date:
    return paris_day(request.submitted_at) + timedelta(days=expected_days(request))


def answers(request: Any) -> dict:
    """The request's answers, field name to value (a report's from its columns)."""
    if is_report(request):
        return {name: getattr(request, name) for name in ("category", "address", "description")}
    return dict(request.payload)


def is_overdue(request: Any, now: datetime) -> bool:
    """Still open with its expected date before today (Paris)."""
    late = request_expected_by(request) < paris_day(now)
    return late and request.status in CATALOGUE[request.demarche].open_statuses


def request_view(request: Any) -> dict:
    """Everything the démarche schemas dump; each keeps only the fields it declares. Reports
    too: the back office lists them beside the other démarches."""
    demarche = CATALOGUE[request.demarche]
    labels = demarche.statuses
    return {
        "id": request.id,
        "demarche": demarche.code,
        "demarche_title": demarche.title,
        "tracking_number": request.tracking_number,
        "tracking_key": request.tracking_key,
        "status": request.status,
        "status_label": labels[request.status],
        "fields": answers(request),
        "expected_by": request_expected_by(request),
        "email": request.email,
        "account_id": request.account_id,
        "next_statuses": sorted(demarche.transitions[request.status]),
        "assigned_to": request.assigned_to,
        "assigned_name": request.assigned_name or "",
        "overdue": is_overdue(request, datetime.now(UTC)),
        "attachments": [
            {
                "id": a.id,
                "field": a.field,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
            }
            for a in request.attachments
        ],
        "submitted_at": request.submitted_at,
        "updated_at": request.updated_at,
        "history": [
            {
                "status": c.status,
                "status_label": labels[c.status],
                "comment": c.comment,
                "changed_at": c.changed_at,
                "changed_by": c.changed_by,
                "internal_note": c.internal_note or "",
                "by_requester": bool(c.by_requester),
            }
            for c in request.history
        ],
    }


def timeline_entry(request: Any) -> dict:
    """A request as one line of "Mon espace" (``contracts.timeline.TimelineEntry``)."""
    demarche = GENERIC[request.demarche]
    number, key = quote(request.tracking_number, safe=""), quote(request.tracking_key, safe="")
    return {
        "service": "requests",
        "kind": demarche.code,
        "reference": request.tracking_number,
        "title": demarche.title,
        "status": request.status,
        "status_label": demarche.statuses[request.status],
        "submitted_at": request.submitted_at,
        "updated_at": request.updated_at,
        "path": f"/demarches/suivi/{number}?cle={key}",
    }


def forget_account(store: Any, account_id: str) -> set[str]:
    """Detach a closed account from its requests and drop its e-mail (column and answer);
    returns the addresses forgotten. The other answers stay: they are the town's record of
    what was asked and delivered. Running it again changes nothing."""
    forgotten = store.list_by_account(account_id)
    addresses = {request.email for request in forgotten if request.email}
    for request in forgotten:
        request.email, request.account_id = "", None
        request.payload = {**request.payload, "email": ""}
    return addresses


def event_data(request: Any, previous_status: str | None = None) -> dict:
    """Data of ``demarche_submitted`` or, with ``previous_status``, ``demarche_status_changed``."""
    view = request_view(request)
    latest = view["history"][-1]
    notify = request.status in GENERIC[request.demarche].notified_statuses
    return {
        **view,
        "request_id": view["id"],
        "previous_status": previous_status,
        "comment": latest["comment"],
        "changed_at": latest["changed_at"],
        "by_requester": latest["by_requester"],
        "notify": notify and not latest["by_requester"],
    }
