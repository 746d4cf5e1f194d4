"""The report form's map: the tile origin allowed by the page's CSP only, and the address
helpers answering a clear French message when the geocoder is down or the point is bad.
(Working answers are proven through the devstack geocoder in tests/browser/test_report_map.py.)"""

from __future__ import annotations

import socket

import pytest

from gateway.views.report_map import BAD_POINT, UNAVAILABLE


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def map_client(make_app):
    app = make_app(
        MAP_TILE_URL="https://tuiles.exemple.fr/plan/{z}/{x}/{y}.png",
        GEOCODER_URL=f"http://127.0.0.1:{closed_port()}",
    )
    return app.test_client()


def test_le_formulaire_autorise_les_tuiles_de_la_carte_et_seulement_lui(map_client):
    form = map_client.get("/signalements/nouveau")
    assert "img-src 'self' https://tuiles.exemple.fr;" in form.headers["Content-Security-Policy"]
    assert 'data-tiles="https://tuiles.exemple.fr/plan/{z}/{x}/{y}.png"' in form.text
    home = map_client.get("/")
    assert "tuiles.exemple.fr" not in home.headers["Content-Security-Policy"]


def test_geocodeur_injoignable_donne_un_message_clair(map_client):
    found = map_client.get("/signalements/adresses", query_string={"q": "montée des forts"})
    assert found.status_code == 503 and found.json == {"message": UNAVAILABLE}
    point = map_client.get(
        "/signalements/adresse-du-point", query_string={"lat": 45.79, "lon": 4.85}
    )
    assert point.status_code == 503 and point.json == {"message": UNAVAILABLE}


def test_une_recherche_trop_courte_ne_demande_rien_au_geocodeur(map_client):
    found = map_client.get("/signalements/adresses", query_string={"q": "ru"})
    assert found.status_code == 200 and found.json == {"addresses": []}


@pytest.mark.parametrize(
    "point",
    [
        {"lat": "45,79"},
        {"lat": "x", "lon": "4.8"},
        {"lat": "91", "lon": "4"},
        {"lat": "nan", "lon": "4"},
    ],
)
def test_un_point_invalide_est_refuse(map_client, point):
    answer = map_client.get("/signalements/adresse-du-point", query_string=point)
    assert answer.status_code == 400 and answer.json == {"message": BAD_POINT}
