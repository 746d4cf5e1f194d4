"""Open311 GeoReport v2 for public-space reports (https://wiki.open311.org/GeoReport_v2).

Only the service list so far: ``GET /open311/v2/services.json`` and ``services.xml``, one
service per report category, with the standard's field names. The categories come from
``contracts.requests.CATEGORIES``, so no service is called.
"""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Blueprint, Response, jsonify

from contracts.demarches import ESPACE_PUBLIC
from contracts.requests import CATEGORIES

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


@bp.get("/services.json")
def services_json() -> Response:
    return jsonify(service_list())


@bp.get("/services.xml")
def services_xml() -> Response:
    root = ElementTree.Element("services")
    for service in service_list():
        element = ElementTree.SubElement(root, "service")
        for name, value in service.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            ElementTree.SubElement(element, name).text = text
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="text/xml")
