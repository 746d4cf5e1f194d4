"""The JSON API under /api/v1: submit, follow, and its OpenAPI description."""

from __future__ import annotations

import json
import re


def test_api_enregistre_et_suit_un_signalement(portal, helpers, new_email, jpeg_with_gps):
    email = new_email()
    created = portal.submit_api(helpers.api_body(email, jpeg_with_gps))
    assert created.status_code == 201, created.text[:2000]
    report = created.json()
    assert helpers.TRACKING_NUMBER.fullmatch(report["tracking_number"])
    assert report["tracking_key"] and report["status"] == "nouveau" and report["has_photo"]
    assert created.headers["Location"].startswith(f"/api/v1/reports/{report['tracking_number']}")

    path = f"/api/v1/reports/{report['tracking_number']}"
    followed = portal.get(path, params={"key": report["tracking_key"]})
    assert followed.status_code == 200
    body = followed.json()
    assert body["tracking_number"] == report["tracking_number"]
    assert body["category"] == "eclairage_public" and body["status"] == "nouveau"
    assert [step["status"] for step in body["history"]] == ["nouveau"]
    assert "tracking_key" not in body and "email" not in body

    wrong = portal.get(path, params={"key": "pas-la-bonne-cle"})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "NOT_FOUND"


def test_api_trois_photos_au_plus_chacune_sans_metadonnees(
    portal, helpers, new_email, jpeg_with_gps
):
    photo = helpers.api_body(new_email(), jpeg_with_gps)["photo"]
    body = {**helpers.api_body(new_email()), "photos": [photo, photo]}
    created = portal.submit_api(body)
    assert created.status_code == 201, created.text[:2000]
    report = created.json()
    assert report["photo_count"] == 2
    for position in (1, 2):
        path = f"/suivi/{report['tracking_number']}/photo/{position}"
        answer = portal.get(path, params={"cle": report["tracking_key"]})
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
        assert b"Appareil de test" not in answer.content
    refused = portal.submit_api({**body, "photos": [photo] * 4})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["photos"] == ["3 photos au plus par signalement."]


def test_api_categories(portal):
    answer = portal.get("/api/v1/reports/categories")
    assert answer.status_code == 200
    codes = {category["code"] for category in answer.json()}
    assert {"voirie", "voiture_ventouse", "tags", "espaces_verts", "proprete"} <= codes


def unresolved_refs(document: dict) -> list[str]:
    """Every local ``$ref`` of the document that points nowhere."""
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(document))
    missing = []
    for ref in refs:
        node = document
        for part in ref.split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            missing.append(ref)
    return missing


def test_openapi_decrit_l_api(portal):
    answer = portal.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    paths = {path.removeprefix("/api/v1") for path in document["paths"]}
    assert "/reports" in paths and "/reports/categories" in paths
    assert any(p.startswith("/reports/{") for p in paths), sorted(paths)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert operation.get("responses"), f"{method} {path} has no responses"
    assert document["components"]["schemas"], "no schemas in components"
    assert unresolved_refs(document) == []
