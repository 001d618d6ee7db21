"""The city's outline: whether a point lies inside it (no GIS library needed for one polygon)."""

import json
from functools import cache

from django.conf import settings


@cache
def city_outline() -> list[list[tuple[float, float]]]:
    """The outline's rings as (longitude, latitude) pairs, from PORTAL_BOUNDARY_FILE."""
    data = json.loads(settings.PORTAL_BOUNDARY_FILE.read_text())
    geometries = [feature["geometry"] for feature in data.get("features", [data])]
    rings = []
    for geometry in geometries:
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings.extend([[(float(x), float(y)) for x, y in polygon[0]] for polygon in polygons])
    return rings


def _in_ring(lon: float, lat: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def is_in_city(latitude: float, longitude: float) -> bool:
    """Whether the point (WGS84) lies inside the city's outline."""
    return any(_in_ring(longitude, latitude, ring) for ring in city_outline())


def city_bounds() -> tuple[float, float, float, float]:
    """South, west, north, east of the outline."""
    points = [point for ring in city_outline() for point in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lats), min(lons), max(lats), max(lons)
