"""Open311 GeoReport v2 service list: the standard's field names and types, JSON and XML."""

from __future__ import annotations

from xml.etree import ElementTree

from contracts.requests import CATEGORIES

FIELDS = {
    "service_code": str,
    "service_name": str,
    "description": str,
    "metadata": bool,
    "type": str,
    "keywords": str,
    "group": str,
}
TYPES = {"realtime", "batch", "blackbox"}


def test_services_json_suit_georeport_v2(client, rpc):
    response = client.get("/open311/v2/services.json")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    services = response.get_json()
    assert [s["service_code"] for s in services] == list(CATEGORIES)
    for service in services:
        assert set(service) == set(FIELDS)
        assert all(isinstance(service[name], kind) for name, kind in FIELDS.items())
        assert service["type"] in TYPES and service["metadata"] is False
    assert services[0]["service_name"] == "Voirie (chaussée, trottoir, nid-de-poule)"
    assert services[0]["group"] == "Espace public"
    assert rpc.calls == []


def test_services_xml_suit_georeport_v2(client):
    response = client.get("/open311/v2/services.xml")
    assert (response.status_code, response.mimetype) == (200, "text/xml")
    root = ElementTree.fromstring(response.data)
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == list(CATEGORIES)
    for service in services:
        assert [child.tag for child in service] == list(FIELDS)
        assert service.findtext("metadata") == "false"
        assert service.findtext("type") in TYPES
    assert services[4].findtext("service_name") == "Éclairage public"
