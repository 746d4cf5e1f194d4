"""The report form's map helpers: address suggestions and the address of a point.

JSON for the page's own script (``static/js/report-map.js``), asked of the geocoder by the
gateway (see :mod:`gateway.geocoder`). When the geocoder fails the answer is 503 with a French
message the page shows; the form itself never depends on these.
"""

from __future__ import annotations

import logging
import math

from flask import Blueprint, request

from gateway.geocoder import GeocoderUnavailable, geocoder

bp = Blueprint("report_map", __name__)
log = logging.getLogger("gateway.geocoder")

UNAVAILABLE = "La recherche d'adresse est momentanément indisponible : saisissez l'adresse."
BAD_POINT = "Latitude et longitude attendues."
MIN_QUERY, MAX_QUERY = 3, 200


@bp.get("/signalements/adresses")
def address_suggestions():
    """Up to five addresses matching ``q`` (three characters at least)."""
    query = request.args.get("q", "").strip()
    if not MIN_QUERY <= len(query) <= MAX_QUERY:
        return {"addresses": []}
    try:
        return {"addresses": geocoder().search(query)}
    except GeocoderUnavailable as error:
        return _unavailable(error)


@bp.get("/signalements/adresse-du-point")
def address_at_point():
    """The address nearest to ``lat``/``lon`` (null when the geocoder knows none)."""
    try:
        latitude = float(request.args["lat"].replace(",", "."))
        longitude = float(request.args["lon"].replace(",", "."))
    except (KeyError, ValueError):
        return {"message": BAD_POINT}, 400
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return {"message": BAD_POINT}, 400
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return {"message": BAD_POINT}, 400
    try:
        return {"address": geocoder().reverse(latitude, longitude)}
    except GeocoderUnavailable as error:
        return _unavailable(error)


def _unavailable(error: GeocoderUnavailable):
    log.warning("geocoder unavailable: %s", error)
    return {"message": UNAVAILABLE}, 503
