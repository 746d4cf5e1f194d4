"""Distances on the Earth's surface, as every part of the portal measures them (the
"within 50 m" of similar reports, the devstack geocoder's reverse answers)."""

from __future__ import annotations

import math

EARTH_RADIUS_METRES = 6_371_000
METRES_PER_DEGREE_OF_LATITUDE = 111_320


def distance_metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), ample for a town."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(h))


def box_around(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) of a box holding every point within ``metres``:
    what an index can search before the exact distance is computed."""
    dlat = metres / METRES_PER_DEGREE_OF_LATITUDE
    dlon = metres / (METRES_PER_DEGREE_OF_LATITUDE * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
