"""The tile server and BAN geocoder stand-in, run as the local run and the e2e stack run it:
``python -m devstack.geo``, queried over HTTP as a browser or the gateway would."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from contracts.geodesy import distance_metres


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def geo() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-P", "-m", "devstack.geo", "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("devstack.geo did not answer")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_tiles_are_neutral_png_images(geo: str) -> None:
    response = requests.get(f"{geo}/16/33650/23300.png", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response.content[16:24] == (256).to_bytes(4, "big") * 2


def test_tile_outside_the_pyramid_is_not_found(geo: str) -> None:
    assert requests.get(f"{geo}/2/4/0.png", timeout=5).status_code == 404
    assert requests.get(f"{geo}/21/0/0.png", timeout=5).status_code == 404


def test_search_answers_like_the_ban_api_ignoring_accents_and_case(geo: str) -> None:
    answer = requests.get(f"{geo}/search/", params={"q": "3 MONTEE des forts", "limit": 3}).json()
    assert answer["type"] == "FeatureCollection"
    assert answer["query"] == "3 MONTEE des forts" and answer["limit"] == 3
    first = answer["features"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "Point"
    lon, lat = first["geometry"]["coordinates"]
    assert 4.82 < lon < 4.88 and 45.78 < lat < 45.82
    properties = first["properties"]
    assert properties["label"] == "3 Montée des Forts 69300 Caluire-et-Cuire"
    assert properties["housenumber"] == "3" and properties["citycode"] == "69034"
    assert properties["type"] == "housenumber" and 0 < properties["score"] <= 1


def test_search_by_street_prefix_lists_its_numbers_up_to_the_limit(geo: str) -> None:
    answer = requests.get(f"{geo}/search/", params={"q": "rue pasteu", "limit": 5}).json()
    labels = [feature["properties"]["label"] for feature in answer["features"]]
    assert len(labels) == 5
    assert all("Rue Pasteur" in label for label in labels)


def test_search_finds_nothing_for_an_unknown_street(geo: str) -> None:
    answer = requests.get(f"{geo}/search/", params={"q": "rue de Rivoli"}).json()
    assert answer["features"] == []


def test_search_refuses_a_too_short_query_or_a_bad_limit(geo: str) -> None:
    assert requests.get(f"{geo}/search/", params={"q": "ru"}).status_code == 400
    response = requests.get(f"{geo}/search/", params={"q": "rue", "limit": "0"})
    assert response.status_code == 400 and "limit" in response.json()["message"]


def test_reverse_gives_the_nearest_address_with_its_distance(geo: str) -> None:
    place = requests.get(f"{geo}/search/", params={"q": "12 quai clemenceau"}).json()
    lon, lat = place["features"][0]["geometry"]["coordinates"]
    answer = requests.get(f"{geo}/reverse/", params={"lon": lon + 0.0001, "lat": lat}).json()
    nearest = answer["features"][0]
    assert len(answer["features"]) == 1
    assert nearest["properties"]["street"] == "Quai Clemenceau"
    expected = distance_metres(lon + 0.0001, lat, *nearest["geometry"]["coordinates"])
    assert nearest["properties"]["distance"] == round(expected) and expected < 15


def test_reverse_refuses_missing_coordinates(geo: str) -> None:
    assert requests.get(f"{geo}/reverse/", params={"lon": "4.84"}).status_code == 400
    assert requests.get(f"{geo}/reverse/", params={"lon": "x", "lat": "45"}).status_code == 400
