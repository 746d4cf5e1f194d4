"""JSON API: same reports as the pages, JSON errors with field details, OpenAPI document."""

from __future__ import annotations

import base64
import io

import pytest

from contracts.base import example
from contracts.errors import NotFound, TooManyRequests
from contracts.identity import ANONYMOUS
from contracts.requests import CATEGORIES, PHOTO_MAX_BYTES
from gateway.errors import ServiceUnavailable

REPORT = example("submit_report")


def test_categories_are_those_of_the_contract(client):
    body = client.get("/api/v1/reports/categories").get_json()
    assert [c["code"] for c in body] == list(CATEGORIES)
    assert body[0] == {"code": "voirie", "label": CATEGORIES["voirie"]}


def test_json_report_is_created_with_its_location(client, rpc):
    response = client.post("/api/v1/reports", json=REPORT)
    assert response.status_code == 201
    assert response.get_json() == example("submitted_report")
    assert response.headers["Location"] == (
        "/api/v1/reports/ESP-2026-000123?key=q9Jw3nM2xZ7pK1vR5tY8uB4cD6eF0gHs"
    )
    caller, payload = rpc.calls[0]["args"]
    assert caller == ANONYMOUS
    assert payload["category"] == "eclairage_public" and payload["photo"] is None
    assert payload["client_ip"] == "127.0.0.1"


def test_the_sender_cannot_choose_the_address_counted_for_limits(client, rpc):
    client.post("/api/v1/reports", json={**REPORT, "client_ip": "192.0.2.77"})
    assert rpc.calls[0]["args"][1]["client_ip"] == "127.0.0.1"


def test_report_limit_is_a_429_with_its_french_message(client, rpc):
    message = "Trop de signalements envoyés : réessayez dans une heure."
    rpc.answer("submit_report", TooManyRequests(message))
    response = client.post("/api/v1/reports", json=REPORT)
    assert response.status_code == 429
    assert response.get_json()["error"] == {
        "code": "TOO_MANY_REQUESTS",
        "message": message,
        "fields": {},
    }


@pytest.mark.parametrize(("seconds", "header"), [(900, "900"), (None, "3600")])
def test_a_429_says_when_to_try_again(client, rpc, seconds, header):
    rpc.answer("submit_report", TooManyRequests("Trop de signalements.", seconds))
    response = client.post("/api/v1/reports", json=REPORT)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == header


def test_json_photo_is_checked_and_forwarded(client, rpc, jpeg):
    data = base64.b64encode(jpeg).decode()
    photo = {"filename": "lampe.jpg", "data": data[:20] + "\n" + data[20:]}
    response = client.post("/api/v1/reports", json={**REPORT, "photo": photo})
    assert response.status_code == 201
    assert rpc.calls[0]["args"][1]["photo"] == {"filename": "lampe.jpg", "data": data}


def test_json_photos_are_a_list_of_three_at_most(client, rpc, jpeg):
    photo = {"filename": "lampe.jpg", "data": base64.b64encode(jpeg).decode()}
    response = client.post("/api/v1/reports", json={**REPORT, "photos": [photo, photo]})
    assert response.status_code == 201
    assert rpc.calls[0]["args"][1]["photos"] == [photo, photo]
    too_many = {**REPORT, "photo": photo, "photos": [photo, photo, photo]}
    response = client.post("/api/v1/reports", json=too_many)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["photos"] == ["3 photos au plus par signalement."]
    bad = client.post("/api/v1/reports", json={**REPORT, "photos": [{"data": "pas du base64 !"}]})
    assert bad.get_json()["error"]["fields"]["photos"] == [
        "Le contenu de la photo doit être encodé en base64."
    ]
    assert len(rpc.calls) == 1


def test_invalid_base64_photo_is_422_without_rpc(client, rpc):
    response = client.post("/api/v1/reports", json={**REPORT, "photo": {"data": "pas du base64 !"}})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "INVALID"
    assert error["fields"]["photo"] == ["Le contenu de la photo doit être encodé en base64."]
    assert rpc.calls == []


def test_photo_over_10_mo_is_422_without_rpc(client, rpc):
    data = base64.b64encode(b"\x00" * (PHOTO_MAX_BYTES + 1)).decode()
    response = client.post("/api/v1/reports", json={**REPORT, "photo": {"data": data}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["photo"] == ["La photo dépasse 10 Mo."]
    assert rpc.calls == []


def test_bad_fields_are_422_with_french_messages(client, rpc):
    body = {**REPORT, "email": "pas-une-adresse", "category": "ovni"}
    del body["description"]
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["description"] == ["Ce champ est obligatoire."]
    assert fields["category"] == ["Choix inconnu."]
    assert fields["email"][0].startswith("Adresse e-mail invalide")
    assert rpc.calls == []


def test_body_that_is_not_an_object_is_422(client):
    response = client.post("/api/v1/reports", data="[1, 2", content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"_schema": ["Un objet JSON est attendu."]}


def test_other_media_types_are_415_in_json(client):
    response = client.post("/api/v1/reports", data="x", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_multipart_report_with_a_photo_file(client, rpc, jpeg):
    form = {**{k: str(v) for k, v in REPORT.items() if v is not None}}
    form["photo"] = (io.BytesIO(jpeg), "lampe.jpg")
    response = client.post("/api/v1/reports", data=form, content_type="multipart/form-data")
    assert response.status_code == 201
    payload = rpc.calls[0]["args"][1]
    assert base64.b64decode(payload["photos"][0]["data"]) == jpeg
    assert payload["latitude"] == 45.7953


def test_tracked_report_needs_its_key(client, rpc):
    response = client.get("/api/v1/reports/ESP-2026-000123")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"key": ["Ce champ est obligatoire."]}
    assert rpc.calls == []


def test_tracked_report_is_returned(client, rpc):
    response = client.get("/api/v1/reports/ESP-2026-000123?key=k")
    assert response.status_code == 200
    assert response.get_json()["status"] == "en_cours"
    assert rpc.calls[0]["args"] == (ANONYMOUS, "ESP-2026-000123", "k")


def test_unknown_report_is_404_json(client, rpc):
    rpc.answer("get_tracked_report", NotFound("Signalement introuvable."))
    response = client.get("/api/v1/reports/ESP-2026-000999?key=k")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "NOT_FOUND", "message": "Signalement introuvable.", "fields": {}}
    }


def test_unavailable_service_is_503_json_in_french(client, rpc):
    rpc.answer("submit_report", ServiceUnavailable("requests.submit_report"))
    response = client.post("/api/v1/reports", json=REPORT)
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == (
        "Le service est momentanément indisponible, réessayez dans quelques minutes."
    )


def test_openapi_document_is_built_from_the_contracts(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.0.3"
    assert document["servers"] == [{"url": "https://portail.example.fr"}]
    schemas = document["components"]["schemas"]
    assert set(schemas["SubmitReport"]["required"]) == {
        "category",
        "address",
        "description",
        "email",
    }
    assert schemas["SubmitReport"]["properties"]["category"]["enum"] == list(CATEGORIES)
    assert "tracking_key" in schemas["SubmittedReport"]["properties"]
    assert set(schemas["ErrorDetail"]["properties"]) == {"code", "message", "fields"}
    post = document["paths"]["/api/v1/reports"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert "422" in post["responses"] and "201" in post["responses"]
    assert "/api/v1/reports/{tracking_number}" in document["paths"]


def test_a_bug_is_a_json_500_without_details(client, rpc):
    rpc.answer("get_tracked_report", KeyError("secret detail"))
    response = client.get("/api/v1/reports/ESP-2026-000123?key=k")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "INTERNAL_ERROR" and "secret" not in error["message"]


def test_wrong_method_is_405_json(client):
    response = client.delete("/api/v1/reports/categories")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"]
