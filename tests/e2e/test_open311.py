"""Open311 GeoReport v2 on the running portal: a report made through the form is read back
in JSON and XML with the standard's fields, and without its author's address or text."""

from __future__ import annotations

import re
from xml.etree import ElementTree

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
