"""Bad input, on the page and on the API: a clear French message per field, nothing stored."""

from __future__ import annotations

import base64

import pytest
import requests

MEGABYTE = 1024 * 1024
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
TOO_LARGE = "La photo dépasse 10 Mo."
NOT_AN_IMAGE = "Le fichier n'est pas une image JPEG, PNG ou WebP."

# name: (fields changed, photo kind, field in error, French message)
CASES = {
    "description_vide": ({"description": ""}, None, "description", "Ce champ est obligatoire."),
    "categorie_inconnue": ({"category": "piscine"}, None, "category", "Choix inconnu."),
    "photo_de_30_mo": ({}, "huge", "photo", TOO_LARGE),
    "pdf_renomme_en_jpg": ({}, "pdf", "photo", NOT_AN_IMAGE),
    "email_invalide": ({"email": "pas-une-adresse"}, None, "email", "Adresse e-mail invalide"),
}


@pytest.fixture(scope="module")
def photos(jpeg_with_gps) -> dict[str, tuple[str, bytes, str]]:
    huge = jpeg_with_gps + b"\0" * (30 * MEGABYTE - len(jpeg_with_gps))
    return {
        "huge": ("grande-photo.jpg", huge, "image/jpeg"),
        "pdf": ("photo.jpg", PDF, "image/jpeg"),
    }


def stored(portal) -> tuple[int, int]:
    return portal.count_reports(), portal.count_outbox()


@pytest.mark.parametrize("case", list(CASES))
def test_formulaire_signale_l_erreur_et_garde_la_saisie(case, portal, helpers, new_email, photos):
    changes, photo, field, message = CASES[case]
    typed = helpers.report_fields(new_email(), changes)
    before = stored(portal)

    answer = portal.submit_form(typed, photos.get(photo))

    assert answer.status_code == 422, answer.text[:1000]
    page = helpers.Page(answer.text)
    assert message in page.text(f"field-{field}-error"), page.text(f"field-{field}-error")
    assert f'href="#field-{field}"' in answer.text, "the error summary does not link the field"
    for name in ("address", "latitude", "longitude", "description", "email"):
        assert page.values.get(name) == typed[name], f"{name} not kept"
    if field != "category":
        assert page.values.get("category") == typed["category"]
    assert stored(portal) == before, "something was stored"


def api_request(portal, helpers, email: str, changes: dict, photo) -> requests.Response:
    """JSON, except the 30 MB photo: in base64 it would exceed the 40 Mo cap of a whole request
    (413, no field: see the test below), so it goes as multipart, which the API accepts too,
    and meets the 10 Mo cap of a photo."""
    if photo is None:
        return portal.submit_api(helpers.api_body(email, overrides=changes))
    content = photo[1]
    if len(content) < MEGABYTE:
        return portal.submit_api(helpers.api_body(email, content, changes))
    fields = helpers.report_fields(email, changes)
    return helpers.client().post(
        portal.url("/api/v1/reports"), data=fields, files={"photo": photo}, timeout=60
    )


@pytest.mark.parametrize("case", list(CASES))
def test_api_signale_l_erreur_du_champ(case, portal, helpers, new_email, photos):
    changes, photo, field, message = CASES[case]
    before = stored(portal)

    answer = api_request(portal, helpers, new_email(), changes, photos.get(photo))

    assert answer.status_code == 422, answer.text[:1000]
    error = answer.json()["error"]
    assert error["code"] == "INVALID"
    assert any(message in text for text in error["fields"].get(field, [])), error
    assert stored(portal) == before, "something was stored"


def test_api_refuse_un_envoi_de_plus_de_40_mo(portal, helpers, new_email, photos):
    before = stored(portal)
    body = helpers.api_body(new_email())
    content = photos["huge"][1] + b"\0" * (2 * MEGABYTE)
    body["photo"] = {"filename": "grande.jpg", "data": base64.b64encode(content).decode()}

    answer = portal.submit_api(body)

    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "TOO_LARGE"
    assert stored(portal) == before
