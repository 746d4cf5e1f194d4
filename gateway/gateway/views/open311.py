"""Open311 GeoReport v2 for public-space reports (https://wiki.open311.org/GeoReport_v2).

``discovery.json``; ``services`` (one service per report category, from
``contracts.requests.CATEGORIES``, no service called) and ``services/<code>``; ``requests``
(filters ``service_request_id``, ``service_code``, ``status``, ``start_date``,
``end_date``; the last 90 days by default, 90 days at most) and ``requests/<id>``, read from
the requests service without personal data (``contracts.open311``). JSON and XML, with the
standard's field names and error format (``[{"code", "description"}]``).

``POST requests`` creates a report for a partner system holding a key an administrator issued
(``/admin/open311``); the form parameters are the standard's. It reads no cookie (exempt from
CSRF for that reason) and calls as ``contracts.identity.ANONYMOUS``; the key decides. Its
answer carries the tracking number only, never what the citizen sent.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from contracts.demarches import ESPACE_PUBLIC
from contracts.errors import Forbidden, Invalid, TooManyRequests
from contracts.identity import ANONYMOUS
from contracts.requests import CATEGORIES
from gateway import sessions
from gateway.views import public_url, rpc

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SERVICE_TYPE = "realtime"
"""A request gets its id at once (the standard's ``realtime``)."""


def service_list() -> list[dict]:
    """GeoReport v2 ``services``: every field the standard lists, none of them optional."""
    return [
        {
            "service_code": code,
            "service_name": label,
            "description": f"{ESPACE_PUBLIC.area} : {label}",
            "metadata": False,
            "type": SERVICE_TYPE,
            "keywords": code.replace("_", ","),
            "group": ESPACE_PUBLIC.area,
        }
        for code, label in CATEGORIES.items()
    ]


FORMATS = ("json", "xml")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00Z"


def answer(items: list[dict], fmt: str, root: str, item: str, status: int = 200) -> Response:
    """``items`` as a JSON array, or as ``<root><item>…</item></root>`` in XML."""
    if fmt == "json":
        response = jsonify(items)
        response.status_code = status
        return response
    element = ElementTree.Element(root)
    for entry in items:
        child = ElementTree.SubElement(element, item)
        for name, value in entry.items():
            text = (
                str(value).lower()
                if isinstance(value, bool)
                else ""
                if value is None
                else str(value)
            )
            ElementTree.SubElement(child, name).text = text
    body = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, mimetype="text/xml")


def error(fmt: str, status: int, *descriptions: str) -> Response:
    """The standard's error list."""
    errors = [{"code": status, "description": text} for text in descriptions]
    return answer(errors, fmt, "errors", "error", status)


def known_format(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt


@bp.get("/discovery.json")
def discovery() -> Response:
    return jsonify(
        {
            "changeset": CHANGESET,
            "contact": f"Ville de {current_app.config['TOWN_NAME']}",
            "key_service": "Clé délivrée par l'administration du portail de la ville",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": public_url(url_for(".discovery")).rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
    )


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    return answer(service_list(), known_format(fmt), "services", "service")


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> Response:
    """A category's definition: it asks no extra attribute (``metadata`` false)."""
    known_format(fmt)
    if code not in CATEGORIES:
        return error(fmt, 404, f"Service inconnu : {code}")
    if fmt == "json":
        return jsonify({"service_code": code, "attributes": []})
    root = ElementTree.Element("service_definition")
    ElementTree.SubElement(root, "service_code").text = code
    ElementTree.SubElement(root, "attributes")
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="text/xml")


def parse_date(name: str) -> datetime | None:
    """An ISO 8601 argument with its offset (W3C format); Invalid otherwise."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid("Date invalide.", {name: [f"{name} : date ISO 8601 avec fuseau attendue."]})
    return parsed


def georeport(report: dict) -> dict:
    """A report with the standard's field names."""
    return {
        "service_request_id": report["tracking_number"],
        "status": report["status"],
        "status_notes": report["status_notes"],
        "service_name": report["category_label"],
        "service_code": report["category"],
        "description": "",
        "agency_responsible": f"Ville de {current_app.config['TOWN_NAME']}",
        "service_notice": "",
        "requested_datetime": report["submitted_at"],
        "updated_datetime": report["updated_at"],
        "expected_datetime": report["expected_at"],
        "address": report["address"],
        "address_id": "",
        "zipcode": "",
        "lat": report["latitude"],
        "long": report["longitude"],
        "media_url": "",
    }


def find_reports(fmt: str, filters: dict) -> Response | list[dict]:
    """The reports ``filters`` select, or the error answer."""
    try:
        filters = {**filters, "start": parse_date("start_date"), "end": parse_date("end_date")}
        found = rpc().call("requests", "list_public_reports", sessions.current_caller(), filters)
    except Invalid as exc:
        texts = [m for messages in exc.fields.values() for m in messages] or [exc.message]
        return error(fmt, 400, *texts)
    return [georeport(report) for report in found]


@bp.get("/requests.<fmt>")
def requests_list(fmt: str) -> Response:
    known_format(fmt)
    numbers = [
        n.strip() for n in request.args.get("service_request_id", "").split(",") if n.strip()
    ]
    filters = {
        "tracking_numbers": numbers,
        "service_code": request.args.get("service_code") or None,
        "status": request.args.get("status") or None,
    }
    found = find_reports(fmt, filters)
    if isinstance(found, Response):
        return found
    return answer(found, fmt, "service_requests", "request")


@bp.get("/requests/<number>.<fmt>")
def request_detail(number: str, fmt: str) -> Response:
    known_format(fmt)
    found = find_reports(fmt, {"tracking_numbers": [number]})
    if isinstance(found, Response):
        return found
    if not found:
        return error(fmt, 404, f"Demande inconnue : {number}")
    return answer(found, fmt, "service_requests", "request")


SUBMISSION_FIELDS = (
    "api_key",
    "service_code",
    "lat",
    "long",
    "address_string",
    "description",
    "email",
    "first_name",
    "last_name",
    "phone",
    "media_url",
)
"""GeoReport v2 ``POST requests`` parameters read; others (``jurisdiction_id``,
``address_id``, ``device_id``, ``account_id``, ``attribute[…]``) are ignored."""


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> Response:
    """A report from a partner system: ``[{"service_request_id", "service_notice"}]``."""
    known_format(fmt)
    payload = {
        name: request.form[name].strip()
        for name in SUBMISSION_FIELDS
        if request.form.get(name, "").strip()
    }
    try:
        created = rpc().call("requests", "submit_open311_request", ANONYMOUS, payload)
    except Forbidden as exc:
        return error(fmt, 403, exc.message)
    except Invalid as exc:
        texts = [f"{name} : {m}" for name, messages in exc.fields.items() for m in messages]
        return error(fmt, 400, *(texts or [exc.message]))
    except TooManyRequests as exc:
        response = error(fmt, 429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after or 3600)
        return response
    notice = f"Traitement attendu sous {created['expected_days']} jours."
    item = {"service_request_id": created["tracking_number"], "service_notice": notice}
    return answer([item], fmt, "service_requests", "request", 201)
