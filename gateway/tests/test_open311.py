"""Open311 GeoReport v2 service list: the standard's field names and types, JSON and XML."""

from __future__ import annotations

from xml.etree import ElementTree

from contracts.errors import Forbidden, Invalid, TooManyRequests
from contracts.identity import ANONYMOUS
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


REQUEST_FIELDS = {
    "service_request_id": str, "status": str, "status_notes": str, "service_name": str,
    "service_code": str, "description": str, "agency_responsible": str, "service_notice": str,
    "requested_datetime": str, "updated_datetime": str, "expected_datetime": str,
    "address": str, "address_id": str, "zipcode": str, "lat": float, "long": float,
    "media_url": str,
}  # fmt: skip
PUBLIC_REPORT = {
    "tracking_number": "ESP-2026-000123", "category": "voirie",
    "category_label": CATEGORIES["voirie"], "status": "closed",
    "status_notes": "Trou rebouché.", "address": "Place Jules Ferry",
    "latitude": 45.79, "longitude": 4.84,
    "submitted_at": "2026-12-01T08:00:00+00:00", "updated_at": "2026-12-02T08:00:00+00:00",
    "expected_at": "2026-12-16T08:00:00+00:00",
}  # fmt: skip


def test_definition_d_un_service_json_et_xml(client, rpc):
    assert client.get("/open311/v2/services/voirie.json").get_json() == {
        "service_code": "voirie",
        "attributes": [],
    }
    root = ElementTree.fromstring(client.get("/open311/v2/services/voirie.xml").data)
    assert (root.tag, root.findtext("service_code")) == ("service_definition", "voirie")
    missing = client.get("/open311/v2/services/inconnu.json")
    assert missing.status_code == 404
    assert missing.get_json() == [{"code": 404, "description": "Service inconnu : inconnu"}]


def test_liste_des_demandes_aux_champs_du_standard(client, rpc):
    rpc.answer("list_public_reports", [PUBLIC_REPORT])
    url = "/open311/v2/requests.json?service_code=voirie&status=closed&start_date=2026-11-15T00:00:00Z"
    [found] = client.get(url).get_json()
    assert set(found) == set(REQUEST_FIELDS)
    assert all(isinstance(found[name], kind) for name, kind in REQUEST_FIELDS.items())
    assert (found["service_request_id"], found["status"]) == ("ESP-2026-000123", "closed")
    filters = rpc.last("list_public_reports")["args"][1]
    assert (filters["service_code"], filters["status"], filters["start"].isoformat()) == (
        "voirie", "closed", "2026-11-15T00:00:00+00:00"
    )  # fmt: skip
    root = ElementTree.fromstring(client.get("/open311/v2/requests.xml").data)
    assert root.tag == "service_requests"
    [element] = root.findall("request")
    assert {child.tag for child in element} == set(REQUEST_FIELDS)
    assert element.findtext("lat") == "45.79"


def test_une_demande_par_numero_ou_404(client, rpc):
    rpc.answer("list_public_reports", [PUBLIC_REPORT])
    [found] = client.get("/open311/v2/requests/ESP-2026-000123.json").get_json()
    assert found["status_notes"] == "Trou rebouché."
    assert rpc.last("list_public_reports")["args"][1]["tracking_numbers"] == ["ESP-2026-000123"]
    rpc.answer("list_public_reports", [])
    missing = client.get("/open311/v2/requests/ESP-2026-999999.xml")
    assert missing.status_code == 404
    assert ElementTree.fromstring(missing.data).findtext("error/code") == "404"


def test_dates_invalides_ou_periode_trop_longue_en_erreur_400(client, rpc):
    bad = client.get("/open311/v2/requests.json?start_date=hier")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400
    rpc.answer(
        "list_public_reports", Invalid("", {"end_date": ["La période demandée dépasse 90 jours."]})
    )
    wide = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z")
    assert wide.get_json() == [
        {"code": 400, "description": "La période demandée dépasse 90 jours."}
    ]


def test_decouverte(client):
    found = client.get("/open311/v2/discovery.json").get_json()
    [endpoint] = found["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]


POST_FORM = {
    "api_key": "cle-du-partenaire",
    "service_code": "voirie",
    "lat": "45.7953",
    "long": "4.8467",
    "description": "Nid-de-poule devant l'école.",
    "email": "habitant@example.org",
    "first_name": "Camille",
    "phone": "0612345678",
    "jurisdiction_id": "caluire",
}
CREATED = {"tracking_number": "ESP-2026-000124", "expected_days": 15}


def test_post_requests_json_rend_le_numero_sans_donnee_personnelle(client, rpc):
    rpc.answer("submit_open311_request", CREATED)
    response = client.post("/open311/v2/requests.json", data=POST_FORM)
    assert (response.status_code, response.mimetype) == (201, "application/json")
    assert response.get_json() == [
        {
            "service_request_id": "ESP-2026-000124",
            "service_notice": "Traitement attendu sous 15 jours.",
        }
    ]
    call = rpc.last("submit_open311_request")
    assert call["args"][0] == ANONYMOUS
    assert call["args"][1] == {k: v for k, v in POST_FORM.items() if k != "jurisdiction_id"}
    assert "habitant" not in response.get_data(as_text=True)


def test_post_requests_xml_suit_georeport_v2(client, rpc):
    rpc.answer("submit_open311_request", CREATED)
    response = client.post("/open311/v2/requests.xml", data=POST_FORM)
    assert (response.status_code, response.mimetype) == (201, "text/xml")
    root = ElementTree.fromstring(response.data)
    assert root.tag == "service_requests"
    (item,) = root
    assert item.tag == "request"
    assert [child.tag for child in item] == ["service_request_id", "service_notice"]
    assert item.findtext("service_request_id") == "ESP-2026-000124"


def test_post_sans_cle_valide_refuse_au_format_du_standard(client, rpc):
    rpc.answer(
        "submit_open311_request", Forbidden("Clé d'API (api_key) absente, inconnue ou révoquée.")
    )
    response = client.post("/open311/v2/requests.json", data={"service_code": "voirie"})
    assert response.status_code == 403
    assert response.get_json() == [
        {"code": 403, "description": "Clé d'API (api_key) absente, inconnue ou révoquée."}
    ]
    xml = client.post("/open311/v2/requests.xml", data={"service_code": "voirie"})
    root = ElementTree.fromstring(xml.data)
    assert (xml.status_code, root.tag, root[0].tag) == (403, "errors", "error")
    assert root[0].findtext("code") == "403"


def test_post_champs_invalides_400_et_limite_429(client, rpc):
    rpc.answer(
        "submit_open311_request", Invalid("Erreurs.", {"email": ["Ce champ est obligatoire."]})
    )
    response = client.post("/open311/v2/requests.json", data=POST_FORM)
    assert response.status_code == 400
    assert response.get_json() == [
        {"code": 400, "description": "email : Ce champ est obligatoire."}
    ]
    rpc.answer("submit_open311_request", TooManyRequests("Trop de demandes.", 3600))
    response = client.post("/open311/v2/requests.json", data=POST_FORM)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3600")
