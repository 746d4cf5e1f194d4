"""The report form: values kept and French messages on errors, photo capped before any RPC."""

from __future__ import annotations

import base64
import io

from contracts.errors import Invalid, TooManyRequests
from contracts.identity import ANONYMOUS
from contracts.requests import PHOTO_MAX_BYTES

GOOD = {
    "category": "eclairage_public",
    "address": "12 avenue Général de Gaulle",
    "latitude": "45,7953",
    "longitude": "4.8467",
    "description": "Le lampadaire ne s'allume plus.",
    "email": "camille.martin@example.org",
}


def post(client, data, photo=None):
    form = dict(data)
    if photo is not None:
        form["photo"] = (io.BytesIO(photo[1]), photo[0])
    return client.post("/signalements/nouveau", data=form, content_type="multipart/form-data")


def test_report_goes_to_the_service_then_to_its_tracking_page(client, rpc):
    response = post(client, GOOD)
    assert response.status_code == 303
    assert response.headers["Location"] == (
        "/suivi/ESP-2026-000123?cle=q9Jw3nM2xZ7pK1vR5tY8uB4cD6eF0gHs&nouveau=1"
    )
    similar, call = rpc.calls
    assert similar["method"] == "find_similar_reports"
    place = {"category": "eclairage_public", "latitude": 45.7953, "longitude": 4.8467}
    assert similar["args"][1] == place
    assert (call["service"], call["method"]) == ("requests", "submit_report")
    caller, payload = call["args"]
    assert caller == ANONYMOUS
    assert payload["latitude"] == 45.7953 and payload["longitude"] == 4.8467
    assert payload["photo"] is None
    assert payload["address"] == "12 avenue Général de Gaulle"


def test_report_limit_shows_its_message_and_keeps_the_typed_text(client, rpc):
    rpc.answer("submit_report", TooManyRequests("Trop de signalements : réessayez dans une heure."))
    response = client.post("/signalements/nouveau", data=GOOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Trop de signalements : réessayez dans une heure." in html
    assert GOOD["description"].replace("'", "&#39;") in html
    assert response.headers["Retry-After"] == "3600"


def test_report_limit_page_says_the_delay_the_service_gives(client, rpc):
    rpc.answer("submit_report", TooManyRequests("Trop de signalements.", 1200))
    response = client.post("/signalements/nouveau", data=GOOD)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1200")


def test_photo_travels_as_base64_with_its_name(client, rpc, jpeg):
    post(client, GOOD, photo=("lampadaire.jpg", jpeg))
    payload = rpc.last("submit_report")["args"][1]
    assert payload["photo"] is None
    assert payload["photos"][0]["filename"] == "lampadaire.jpg"
    assert base64.b64decode(payload["photos"][0]["data"]) == jpeg


def test_missing_fields_come_back_in_french_with_typed_values_kept(client, rpc):
    data = {**GOOD, "category": "", "email": "pas-une-adresse", "longitude": ""}
    del data["category"]
    response = post(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert rpc.calls == []
    assert 'role="alert"' in html
    assert '<a href="#field-category">Catégorie : Ce champ est obligatoire.</a>' in html
    assert "Adresse e-mail invalide" in html
    assert 'value="pas-une-adresse"' in html
    assert 'value="12 avenue Général de Gaulle"' in html
    assert "Le lampadaire ne s&#39;allume plus.</textarea>" in html
    assert 'aria-describedby="field-email-hint field-email-error" aria-invalid="true"' in html


def test_service_refusal_redisplays_the_form_with_its_messages(client, rpc):
    rpc.answer("submit_report", Invalid("Erreurs", {"address": ["Adresse hors de la commune."]}))
    response = post(client, GOOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Adresse : Adresse hors de la commune." in html
    assert 'value="eclairage_public" id="field-category-eclairage_public" checked' in html
    assert 'value="45,7953"' in html


def test_photo_over_10_mo_is_refused_before_any_rpc(client, rpc):
    response = post(client, GOOD, photo=("enorme.jpg", b"\xff" * (PHOTO_MAX_BYTES + 1)))
    assert response.status_code == 422
    assert rpc.calls == []
    assert "La photo dépasse 10 Mo." in response.get_data(as_text=True)


def test_photo_must_be_chosen_again_after_another_error(client, rpc, jpeg):
    response = post(client, {**GOOD, "email": ""}, photo=("lampadaire.jpg", jpeg))
    assert response.status_code == 422
    assert "choisissez-la de nouveau" in response.get_data(as_text=True)


def test_single_coordinate_is_explained(client, rpc):
    response = post(client, {**GOOD, "longitude": ""})
    assert response.status_code == 422
    assert "Indiquez la latitude et la longitude, ou aucune des deux." in response.get_data(
        as_text=True
    )


def test_request_over_the_size_cap_is_a_french_413(make_app, rpc):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = post(client, GOOD, photo=("grande.jpg", b"\xff" * 4096))
    assert response.status_code == 413
    assert "40 Mo" in response.get_data(as_text=True)
    assert rpc.calls == []


SIMILAR = {
    "tracking_number": "ESP-2026-000123",
    "category_label": "Éclairage public",
    "address": "10 avenue Général de Gaulle",
    "status_label": "En cours",
    "submitted_at": "2026-11-25T08:30:00+00:00",
    "distance_metres": 12,
}


def test_un_signalement_semblable_est_propose_au_lieu_d_en_creer_un(client, rpc, jpeg):
    rpc.answer("find_similar_reports", [SIMILAR])
    response = post(client, GOOD, photo=("lampadaire.jpg", jpeg))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [call["method"] for call in rpc.calls] == ["find_similar_reports"]
    assert "Un signalement semblable est déjà en cours" in html
    assert "ESP-2026-000123 – Éclairage public" in html and "à 12 m de votre repère" in html
    assert 'name="numero" value="ESP-2026-000123"' in html
    assert 'value="camille.martin@example.org"' in html
    assert 'name="nouveau_quand_meme" value="1"' in html
    assert "choisissez-la de nouveau" in html


def test_le_citoyen_peut_quand_meme_creer_son_signalement(client, rpc):
    rpc.answer("find_similar_reports", [SIMILAR])
    response = post(client, {**GOOD, "nouveau_quand_meme": "1"})
    assert response.status_code == 303
    assert [call["method"] for call in rpc.calls] == ["submit_report"]


def test_sans_coordonnees_aucune_recherche_de_doublon(client, rpc):
    post(client, {**GOOD, "latitude": "", "longitude": ""})
    assert [call["method"] for call in rpc.calls] == ["submit_report"]


def test_suivre_un_signalement_envoie_l_adresse_au_service(client, rpc):
    followed = {key: SIMILAR[key] for key in ("tracking_number", "category_label", "address")}
    rpc.answer("follow_report", {**followed, "status_label": "En cours"})
    form = {"numero": "ESP-2026-000123", "follow_email": "voisin@example.org"}
    response = client.post("/signalements/suivre", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vous suivez le signalement ESP-2026-000123" in html and "voisin@example.org" in html
    sent = rpc.last("follow_report")["args"][1]
    assert sent["tracking_number"] == "ESP-2026-000123" and sent["email"] == "voisin@example.org"


def test_suivre_avec_une_adresse_invalide_redonne_le_formulaire(client, rpc):
    invalid = Invalid(
        "Le formulaire contient des erreurs.", {"email": ["Adresse e-mail invalide."]}
    )
    rpc.answer("follow_report", invalid)
    form = {"numero": "ESP-2026-000123", "follow_email": "pas-une-adresse"}
    response = client.post("/signalements/suivre", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Adresse e-mail invalide." in html and 'value="pas-une-adresse"' in html


def test_up_to_three_photos_travel_in_the_order_chosen(client, rpc, jpeg):
    files = [(io.BytesIO(jpeg), f"photo-{n}.jpg") for n in (1, 2, 3)]
    response = client.post(
        "/signalements/nouveau", data={**GOOD, "photo": files}, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    payload = rpc.last("submit_report")["args"][1]
    assert [photo["filename"] for photo in payload["photos"]] == [
        "photo-1.jpg",
        "photo-2.jpg",
        "photo-3.jpg",
    ]


def test_a_fourth_photo_is_refused_in_french_before_any_rpc(client, rpc, jpeg):
    files = [(io.BytesIO(jpeg), f"photo-{n}.jpg") for n in (1, 2, 3, 4)]
    response = client.post(
        "/signalements/nouveau", data={**GOOD, "photo": files}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "3 photos au plus par signalement." in response.get_data(as_text=True)
    assert rpc.calls == []
