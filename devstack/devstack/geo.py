"""Stand-ins for the map's outside servers: a tile server and a Base Adresse Nationale geocoder.

Run it with ``python -m devstack.geo`` (http://localhost:8300; ``make run`` starts it). The local
run and the tests reach no outside server, so the report form's map and address search talk to
this process instead of the IGN Géoplateforme and ``api-adresse.data.gouv.fr``:

- ``GET /{z}/{x}/{y}.png``: a neutral 256×256 PNG tile (light background, a faint grid),
  the same for every position, 404 outside the Web Mercator pyramid (zoom 0 to 20);
- ``GET /search/?q=&limit=``: the BAN API's answer, a GeoJSON ``FeatureCollection`` of
  ``housenumber`` features (``label``, ``score``, ``housenumber``, ``id``, ``name``,
  ``postcode``, ``citycode``, ``city``, ``context``, ``type``, ``street``), searched in the
  address list this package ships (``data/adresses-caluire.csv``: about 500 addresses of
  Caluire-et-Cuire, positions interpolated along each street, approximate). Every word of
  the query must start a word of the address, accents and case ignored; a house number must
  match exactly. ``q`` shorter than 3 characters is refused with 400, as the BAN does;
- ``GET /reverse/?lon=&lat=&limit=``: the nearest addresses, each with its ``distance`` in
  metres, as the BAN's reverse geocoding answers.
"""

from __future__ import annotations

import argparse
import csv
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Flask, Response, jsonify, request

from contracts.geodesy import distance_metres
from devstack.serving import serve

DEFAULT_PORT = 8300
ADDRESSES = Path(__file__).resolve().parent / "data" / "adresses-caluire.csv"
CONTEXT = "69, Rhône, Auvergne-Rhône-Alpes"
MAX_ZOOM = 20
TILE_SIZE = 256
MAX_LIMIT = 20
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Address:
    id: str
    housenumber: str
    street: str
    postcode: str
    city: str
    citycode: str
    lon: float
    lat: float

    @property
    def label(self) -> str:
        return f"{self.housenumber} {self.street} {self.postcode} {self.city}"

    def feature(self, **extra: float) -> dict:
        """The address as the BAN API gives it (``extra``: score or distance)."""
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [self.lon, self.lat]},
            "properties": {
                "label": self.label,
                "housenumber": self.housenumber,
                "id": self.id,
                "name": f"{self.housenumber} {self.street}",
                "postcode": self.postcode,
                "citycode": self.citycode,
                "city": self.city,
                "context": CONTEXT,
                "type": "housenumber",
                "street": self.street,
                **extra,
            },
        }


def words(text: str) -> list[str]:
    """Lower-case words without accents: "Montée des Forts" -> ["montee", "des", "forts"]."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return WORD.findall(plain)


@cache
def load_addresses(path: Path = ADDRESSES) -> tuple[Address, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter=";")
        return tuple(
            Address(**{**row, "lon": float(row["lon"]), "lat": float(row["lat"])}) for row in rows
        )


def search(addresses: tuple[Address, ...], query: str, limit: int) -> list[dict]:
    """Addresses whose words all start with the query's words, the closest match first."""
    wanted = words(query)
    found = []
    for address in addresses:
        own = words(address.label)
        if all(_matches(word, own, address.housenumber) for word in wanted):
            exact = sum(word in own for word in wanted)
            found.append((round(0.5 + 0.5 * exact / len(own), 4), address))
    found.sort(key=lambda pair: (-pair[0], pair[1].street, int(pair[1].housenumber)))
    return [address.feature(score=score) for score, address in found[:limit]]


def _matches(word: str, own: list[str], housenumber: str) -> bool:
    if word.isdigit() and len(word) < 5:
        return word == housenumber
    return any(candidate.startswith(word) for candidate in own)


def reverse(addresses: tuple[Address, ...], lon: float, lat: float, limit: int) -> list[dict]:
    """The nearest addresses, each with its distance in metres."""
    ranked = sorted((distance_metres(lon, lat, a.lon, a.lat), a) for a in addresses)
    return [address.feature(distance=round(metres)) for metres, address in ranked[:limit]]


@cache
def neutral_tile() -> bytes:
    """A light 256×256 RGB PNG with a faint border, so tiles read as a plain grid."""
    background, line = bytes((242, 239, 233)), bytes((222, 218, 210))
    inner = line + background * (TILE_SIZE - 1)
    rows = [b"\x00" + line * TILE_SIZE] + [b"\x00" + inner] * (TILE_SIZE - 1)
    header = struct.pack(">IIBBBBB", TILE_SIZE, TILE_SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _bad_request(message: str) -> tuple[Response, int]:
    return jsonify({"code": 400, "message": message}), 400


def _limit(default: int) -> int | None:
    raw = request.args.get("limit", str(default))
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT else None


def _collection(features: list[dict], **extra: object) -> Response:
    body = {"type": "FeatureCollection", "version": "draft", "features": features}
    body.update(attribution="BAN", licence="ETALAB-2.0", **extra)
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def create_app(addresses_path: Path = ADDRESSES) -> Flask:
    app = Flask(__name__)
    addresses = load_addresses(addresses_path)

    @app.get("/<int:z>/<int:x>/<int:y>.png")
    def tile(z: int, x: int, y: int):
        if z > MAX_ZOOM or x >= 2**z or y >= 2**z:
            return Response("Tuile inexistante.", 404, mimetype="text/plain")
        response = Response(neutral_tile(), mimetype="image/png")
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @app.get("/search/")
    def search_addresses():
        query = request.args.get("q", "").strip()
        if not 3 <= len(query) <= 200 or not words(query):
            return _bad_request(
                "q: must contain between 3 and 200 chars and start with a number or a letter"
            )
        limit = _limit(5)
        if limit is None:
            return _bad_request(f"limit: must be an integer between 1 and {MAX_LIMIT}")
        return _collection(search(addresses, query, limit), query=query, limit=limit)

    @app.get("/reverse/")
    def reverse_address():
        try:
            lon, lat = float(request.args["lon"]), float(request.args["lat"])
        except (KeyError, ValueError):
            return _bad_request("lon, lat: must be float numbers")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return _bad_request("lon, lat: out of range")
        limit = _limit(1)
        if limit is None:
            return _bad_request(f"limit: must be an integer between 1 and {MAX_LIMIT}")
        return _collection(reverse(addresses, lon, lat, limit), limit=limit)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "addresses": len(addresses)}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serveur de tuiles et géocodeur BAN de test")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    serve(create_app(), args.host, args.port, "tiles and geocoder")


if __name__ == "__main__":
    main()
