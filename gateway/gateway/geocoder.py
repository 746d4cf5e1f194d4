"""The address search and reverse geocoding behind the report form's map.

The gateway asks the Base Adresse Nationale API (``GEOCODER_URL``: ``/search/``,
``/reverse/``) on the browser's behalf, so the page's Content-Security-Policy keeps
``connect-src 'self'``, the citizen's address and IP address are not handed to another
origin, and a slow or failing geocoder costs the form nothing: the citizen types the address.

    geocoder = Geocoder("https://api-adresse.data.gouv.fr")
    geocoder.search("12 montée des forts")  # [{"label": ..., "latitude": ..., "longitude": ...}]
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask, current_app

TIMEOUT_SECONDS = 3.0
SUGGESTIONS = 5


class GeocoderUnavailable(RuntimeError):
    """The geocoder did not answer in time, or not in the BAN API's format."""


class Geocoder:
    """A small client of a BAN-format API, with one pooled HTTP session."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def init_app(self, app: Flask) -> None:
        app.extensions["geocoder"] = self

    def search(self, query: str, limit: int = SUGGESTIONS) -> list[dict[str, Any]]:
        """Addresses matching ``query``, the best first."""
        return self._places("/search/", {"q": query, "limit": limit})

    def reverse(self, latitude: float, longitude: float) -> dict[str, Any] | None:
        """The address nearest to a point, or None where the geocoder knows none."""
        places = self._places("/reverse/", {"lat": latitude, "lon": longitude, "limit": 1})
        return places[0] if places else None

    def _places(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            response = self.http.get(self.base_url + path, params=params, timeout=self.timeout)
            response.raise_for_status()
            return [_place(feature) for feature in response.json()["features"]]
        except (requests.RequestException, ValueError, KeyError, TypeError, IndexError) as error:
            raise GeocoderUnavailable(f"{path}: {type(error).__name__}") from error


def _place(feature: dict[str, Any]) -> dict[str, Any]:
    longitude, latitude = feature["geometry"]["coordinates"]
    return {
        "label": str(feature["properties"]["label"]),
        "latitude": float(latitude),
        "longitude": float(longitude),
    }


def geocoder() -> Geocoder:
    return current_app.extensions["geocoder"]
