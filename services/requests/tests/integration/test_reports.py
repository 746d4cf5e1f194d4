"""Reports submitted, followed and processed through the real service, database and broker."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import text

from chassis.testing.services import call
from contracts.base import example
from contracts.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests

CITIZEN = example("caller")
AGENT = {"account_id": "agent-1", "roles": ["agent_espace_public"], "family_id": None}


def count(engine, table):
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def photo_upload():
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "orange").save(out, "PNG")
    return {"filename": "lampadaire.png", "data": base64.b64encode(out.getvalue()).decode()}


def submit(container, **changes):
    return call(container, "submit_report", CITIZEN, {**example("submit_report"), **changes})


def test_signalement_annonce_report_submitted_avec_son_numero(container, events):
    report = submit(container, photo=photo_upload())
    assert report["tracking_number"].startswith("ESP-")
    event_type, payload = events.next()
    assert event_type == "report_submitted"
    assert payload["tracking_number"] == report["tracking_number"]
    assert payload["tracking_key"] == report["tracking_key"]
    assert payload["email"] == "camille.martin@example.org"


def test_suivi_par_lien_prive_et_photo(container):
    report = submit(container, photo=photo_upload())
    number, key = report["tracking_number"], report["tracking_key"]
    tracked = call(container, "get_tracked_report", CITIZEN, number, key)
    assert (tracked["has_photo"], tracked["status"]) == (True, "nouveau")
    assert "email" not in tracked and "tracking_key" not in tracked
    photo = call(container, "get_tracked_report_photo", CITIZEN, number, key)
    assert photo["content_type"] == "image/jpeg"
    assert Image.open(io.BytesIO(base64.b64decode(photo["data"]))).format == "JPEG"
    with pytest.raises(NotFound):
        call(container, "get_tracked_report", CITIZEN, number, "mauvaise-cle")
    agent_photo = call(container, "get_report_photo", AGENT, report["id"])
    assert agent_photo == photo


def photo_of_colour(colour: str) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "WEBP")
    return {"filename": f"{colour}.webp", "data": base64.b64encode(out.getvalue()).decode()}


def test_trois_photos_gardees_dans_l_ordre_une_quatrieme_refusee(container, engine):
    first, second, third = (photo_of_colour(c) for c in ("red", "green", "blue"))
    report = submit(container, photo=first, photos=[second, third])
    number, key = report["tracking_number"], report["tracking_key"]
    assert (report["photo_count"], report["has_photo"]) == (3, True)
    colours = []
    for position in (1, 2, 3):
        photo = call(container, "get_tracked_report_photo", CITIZEN, number, key, position)
        image = Image.open(io.BytesIO(base64.b64decode(photo["data"])))
        assert image.format == "JPEG"
        colours.append(max(range(3), key=lambda band: image.getpixel((5, 5))[band]))
        assert call(container, "get_report_photo", AGENT, report["id"], position) == photo
    assert colours == [0, 1, 2]
    with pytest.raises(NotFound):
        call(container, "get_tracked_report_photo", CITIZEN, number, key, 4)
    before = count(engine, "report_photos")
    with pytest.raises(Invalid) as caught:
        submit(container, photos=[first, second, third, first])
    assert caught.value.fields == {"photos": ["3 photos au plus par signalement."]}
    assert count(engine, "report_photos") == before


def test_numeros_se_suivent(container):
    first, second = submit(container), submit(container)
    assert int(second["tracking_number"][-6:]) == int(first["tracking_number"][-6:]) + 1


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "pas-une-adresse"},
        {"category": "ovni"},
        {"photo": {"filename": "scan.jpg", "data": base64.b64encode(b"%PDF-1.4 faux").decode()}},
    ],
)
def test_saisie_invalide_n_enregistre_rien(container, engine, changes):
    with pytest.raises(Invalid):
        submit(container, **changes)
    for table in ("reports", "report_photos", "demarche_status_changes", "outbox_events"):
        assert count(engine, table) == 0


def test_changements_de_statut_ajoutent_historique_et_evenements(container, engine, events):
    report = submit(container)
    assert events.next()[0] == "report_submitted"
    payload = {"status": "en_cours", "comment": "Une équipe passe demain matin."}
    call(container, "change_report_status", AGENT, report["id"], payload)
    done = call(
        container, "change_report_status", AGENT, report["id"], example("change_report_status")
    )
    assert [step["status"] for step in done["history"]] == ["nouveau", "en_cours", "resolu"]
    assert done["history"][-1]["comment"] == "L'ampoule a été remplacée."
    changes = [events.next(), events.next()]
    assert [(t, p["previous_status"], p["status"]) for t, p in changes] == [
        ("report_status_changed", "nouveau", "en_cours"),
        ("report_status_changed", "en_cours", "resolu"),
    ]
    with pytest.raises(Conflict):
        call(container, "change_report_status", AGENT, report["id"], {"status": "resolu"})
    assert count(engine, "demarche_status_changes") == 3
    listed = call(container, "list_reports", AGENT, "resolu")
    assert [r["tracking_number"] for r in listed["items"]] == [report["tracking_number"]]


def test_liste_des_signalements_par_pages(container):
    numbers = [submit(container)["tracking_number"] for _ in range(3)]
    first = call(container, "list_reports", AGENT, None, 1, 2)
    second = call(container, "list_reports", AGENT, None, 2, 2)
    assert [r["tracking_number"] for r in first["items"] + second["items"]] == numbers[::-1]
    assert {key: first[key] for key in ("page", "size", "total", "pages")} == {
        "page": 1,
        "size": 2,
        "total": 3,
        "pages": 2,
    }
    assert call(container, "list_reports", AGENT, None, 3, 2)["items"] == []
    assert len(call(container, "list_reports", AGENT)["items"]) == 3
    for page, size, field in ((0, 10, "page"), ("deux", 10, "page"), (1, 101, "size")):
        with pytest.raises(Invalid) as refused:
            call(container, "list_reports", AGENT, None, page, size)
        assert list(refused.value.fields) == [field]


def test_carte_des_agents_montre_les_signalements_ouverts_places(container):
    placed = submit(container)
    unplaced = submit(container, latitude=None, longitude=None)
    resolved = submit(container)
    for status in ("en_cours", "resolu"):
        call(container, "change_report_status", AGENT, resolved["id"], {"status": status})
    points = call(container, "list_open_report_points", AGENT)
    numbers = [point["tracking_number"] for point in points]
    assert placed["tracking_number"] in numbers
    assert unplaced["tracking_number"] not in numbers
    assert resolved["tracking_number"] not in numbers
    point = points[numbers.index(placed["tracking_number"])]
    assert point == {
        "id": placed["id"],
        "tracking_number": placed["tracking_number"],
        "category": "eclairage_public",
        "category_label": "Éclairage public",
        "status": "nouveau",
        "status_label": "Nouveau",
        "address": placed["address"],
        "latitude": 45.7953,
        "longitude": 4.8467,
        "submitted_at": placed["submitted_at"],
    }


AGENT_ONLY = [
    ("list_reports", ()),
    ("get_report", (1,)),
    ("get_report_photo", (1,)),
    ("list_open_report_points", ()),
    ("change_report_status", (1, {"status": "en_cours"})),
]


@pytest.mark.parametrize(("method", "args"), AGENT_ONLY)
@pytest.mark.parametrize(
    "caller",
    [
        CITIZEN,
        None,
        {"account_id": "citoyen-connecte", "roles": [], "family_id": None},
        {"account_id": "42", "roles": ["agent_regie"]},
    ],
)
def test_methodes_agent_refusees_aux_autres(container, engine, method, args, caller):
    submit(container)
    with pytest.raises(Forbidden):
        call(container, method, caller, *args)
    assert count(engine, "demarche_status_changes") == 1


def test_bombe_png_refusee_avec_message_sur_le_champ_photo_sans_rien_ecrire(container, engine):
    out = io.BytesIO()
    Image.new("RGB", (6300, 6300), "green").save(out, "PNG")
    bomb = {"filename": "rue.png", "data": base64.b64encode(out.getvalue()).decode()}
    with pytest.raises(Invalid) as caught:
        submit(container, photo=bomb)
    assert caught.value.fields == {
        "photo": [
            "L'image est trop grande (plus de 16 millions de pixels) : "
            "réduisez-la ou envoyez-la en JPEG."
        ]
    }
    assert count(engine, "reports") == 0
    assert submit(container, photo=photo_upload())["has_photo"] is True


ADMIN = {"account_id": "admin-1", "roles": ["admin"], "family_id": None}
OPEN311 = {
    "service_code": "voirie",
    "lat": 45.7953,
    "long": 4.8467,
    "description": "Nid-de-poule devant l'école.",
    "email": "habitant@example.org",
    "first_name": "Camille",
    "last_name": "Martin",
    "phone": "0612345678",
    "media_url": "http://example.org/photo.jpg",
}


def test_open311_cle_emise_une_fois_stockee_hachee_puis_revoquee(container, engine, events):
    issued = call(container, "create_open311_key", ADMIN, {"name": "Appli FixMyStreet"})
    token = issued["token"]
    assert len(token) >= 43 and issued["token_hint"] == token[:6]
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_sha256 FROM open311_keys")).scalars().all()
    assert token not in " ".join(stored)
    assert hashlib.sha256(token.encode()).hexdigest() in stored

    created = call(container, "submit_open311_request", CITIZEN, {**OPEN311, "api_key": token})
    assert created == {"tracking_number": created["tracking_number"], "expected_days": 15}
    event_type, payload = events.next()
    assert (event_type, payload["tracking_number"]) == (
        "report_submitted",
        created["tracking_number"],
    )
    assert payload["address"] == "Position GPS : 45,79530 ; 4,84670"
    with engine.connect() as connection:
        row = (
            connection.execute(
                text(
                    "SELECT * FROM demarche_requests JOIN reports USING (id)"
                    " WHERE tracking_number = :n"
                ),
                {"n": created["tracking_number"]},
            )
            .mappings()
            .one()
        )
    assert "Martin" not in str(dict(row)) and "0612345678" not in str(dict(row))

    listed = call(container, "list_open311_keys", ADMIN)
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None
    with pytest.raises(Forbidden):
        call(container, "list_open311_keys", AGENT)
    with pytest.raises(Forbidden):
        call(container, "create_open311_key", AGENT, {"name": "Intrus"})

    call(container, "revoke_open311_key", ADMIN, issued["id"])
    with pytest.raises(Conflict):
        call(container, "revoke_open311_key", ADMIN, issued["id"])
    for key in (token, "pas-une-cle", None):
        with pytest.raises(Forbidden):
            call(container, "submit_open311_request", CITIZEN, {**OPEN311, "api_key": key})


def test_open311_champs_invalides_et_limite_par_cle(container, engine):
    token = call(container, "create_open311_key", ADMIN, {"name": "SIG"})["token"]
    with pytest.raises(Invalid) as caught:
        call(container, "submit_open311_request", CITIZEN, {"api_key": token, "service_code": "x"})
    assert {"service_code", "description", "email"} <= set(caught.value.fields)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO throttles (key, failures, window_start, blocked_until)"
                " SELECT 'open311-key:' || id, 300, now(), now() + interval '1 hour'"
                " FROM open311_keys WHERE token_hint = :hint ON CONFLICT (key) DO UPDATE"
                " SET failures = 300, blocked_until = now() + interval '1 hour'"
            ),
            {"hint": token[:6]},
        )
    with pytest.raises(TooManyRequests):
        call(container, "submit_open311_request", CITIZEN, {**OPEN311, "api_key": token})
