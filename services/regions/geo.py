"""Great-circle distances, for picking the balai RW nearest a shared WhatsApp location."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "nearest_within"]

# IUGG mean Earth radius; the spherical model errs by < 0.5 %, far below a GPS fix's.
EARTH_RADIUS_KM = 6371.0088

K = TypeVar("K")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # Rounding can push h a hair past 1 for antipodal points; asin would then fail.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def nearest_within(
    lat: float,
    lon: float,
    points: Iterable[tuple[K, float | None, float | None]],
    max_km: float = 3.0,
) -> tuple[K, float] | None:
    """Return (key, km) of the point nearest (lat, lon) within max_km, or None.

    Points without coordinates (None) are skipped; on a tie the earlier point wins.
    """
    best: tuple[K, float] | None = None
    for key, p_lat, p_lon in points:
        if p_lat is None or p_lon is None:
            continue
        km = haversine_km(lat, lon, p_lat, p_lon)
        if km <= max_km and (best is None or km < best[1]):
            best = (key, km)
    return best
