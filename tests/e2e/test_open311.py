"""Open311 GeoReport v2 on the running portal: a report made through the form is read back
in JSON and XML with the standard's fields, and without its author's address or text."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import requests

FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip


def test_signalement_lu_en_open311_sans_donnees_personnelles(portal, helpers, new_email):
    email = new_email("open311")
    sent = portal.submit_form(helpers.report_fields(email))
    assert sent.status_code == 303, sent.text[:2000]
    number = re.search(r"ESP-\d{4}-\d{6}", sent.headers["Location"]).group(0)

    one = portal.get(f"/open311/v2/requests/{number}.json")
    assert one.status_code == 200
    [found] = one.json()
    assert set(found) == FIELDS
    assert (found["service_code"], found["status"], found["lat"]) == ("voirie", "open", 45.7953)
    assert email not in one.text and "Nid-de-poule" not in one.text
    listed = portal.get("/open311/v2/requests.json?service_code=voirie&status=open").json()
    assert number in [item["service_request_id"] for item in listed]

    xml = ElementTree.fromstring(portal.get(f"/open311/v2/requests/{number}.xml").content)
    assert {child.tag for child in xml.find("request")} == FIELDS
    definition = portal.get("/open311/v2/services/voirie.json").json()
    assert definition == {"service_code": "voirie", "attributes": []}
    assert portal.get("/open311/v2/requests/ESP-1999-000001.json").status_code == 404


CREATED_FIELDS = {"service_request_id": str, "service_notice": str}
"""GeoReport v2 ``POST requests`` answer (``token`` only for a service that numbers later;
ours is ``realtime``)."""


def issue_key(portal, stack, name: str) -> tuple[requests.Session, str, int]:
    """An administrator issues a key on the admin page; the token is on that answer only."""
    admin = portal.agent_session(stack.admin_login)
    answer = portal.post_form(admin, "/admin/open311/cles", {"name": name})
    assert answer.status_code == 201, answer.text[:2000]
    token = re.search(r'id="cle-creee" type="text" readonly value="([^"]+)"', answer.text)[1]
    key_id = int(re.findall(r"/admin/open311/cles/(\d+)/revoquer", answer.text)[0])
    assert token not in portal.get("/admin/open311/cles", admin).text
    return admin, token, key_id


def test_partenaire_cree_un_signalement_en_json_et_xml_puis_sa_cle_est_revoquee(
    portal, stack, new_email
):
    admin, token, key_id = issue_key(portal, stack, "Appli FixMyStreet e2e")
    email = new_email("partenaire")
    form = {
        "api_key": token,
        "service_code": "eclairage_public",
        "address_string": "Place Jules Ferry, Caluire-et-Cuire",
        "description": "Lampadaire éteint signalé depuis l'application.",
        "email": email,
        "first_name": "Dominique",
        "last_name": "Partenaire",
        "phone": "0611223344",
        "media_url": "https://example.org/photo.jpg",
    }
    created = requests.post(portal.url("/open311/v2/requests.json"), data=form, timeout=30)
    assert created.status_code == 201, created.text[:2000]
    [item] = created.json()
    assert set(item) == set(CREATED_FIELDS)
    assert all(isinstance(item[name], kind) for name, kind in CREATED_FIELDS.items())
    number = item["service_request_id"]
    assert re.fullmatch(r"ESP-\d{4}-\d{6}", number)
    for secret in (email, "Dominique", "Partenaire", "0611223344", token):
        assert secret not in created.text

    xml = requests.post(portal.url("/open311/v2/requests.xml"), data=form, timeout=30)
    root = ElementTree.fromstring(xml.content)
    assert (xml.status_code, root.tag, root[0].tag) == (201, "service_requests", "request")
    assert [child.tag for child in root[0]] == list(CREATED_FIELDS)

    read = portal.get(f"/open311/v2/requests/{number}.json").json()[0]
    assert (read["service_code"], read["status"]) == ("eclairage_public", "open")
    assert read["address"] == "Place Jules Ferry, Caluire-et-Cuire"
    for secret in (email, "Dominique", "0611223344"):
        assert secret not in str(read)

    assert (
        portal.post_form(
            admin, f"/admin/open311/cles/{key_id}/revoquer", {}, "/admin/open311/cles"
        ).status_code
        == 303
    )
    for key in (token, "cle-inventee", None):
        sent = (
            {**form, "api_key": key} if key else {k: v for k, v in form.items() if k != "api_key"}
        )
        refused = requests.post(portal.url("/open311/v2/requests.json"), data=sent, timeout=30)
        assert refused.status_code == 403
        [error] = refused.json()
        assert set(error) == {"code", "description"} and error["code"] == 403
        refused_xml = requests.post(portal.url("/open311/v2/requests.xml"), data=sent, timeout=30)
        root = ElementTree.fromstring(refused_xml.content)
        assert (refused_xml.status_code, root.tag, root[0].findtext("code")) == (
            403,
            "errors",
            "403",
        )
