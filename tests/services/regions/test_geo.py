import math

import pytest

from services.regions.geo import EARTH_RADIUS_KM, haversine_km, nearest_within

TUGU_PAHLAWAN = (-7.2458, 112.7378)
BALAI_RW = [
    ("ketintang-3", -7.3109, 112.7277),
    ("ketintang-4", -7.3150, 112.7230),
    ("gubeng-1", -7.2650, 112.7520),
]


def test_same_point_is_zero():
    assert haversine_km(*TUGU_PAHLAWAN, *TUGU_PAHLAWAN) == 0


def test_one_degree_of_latitude():
    expected = 2 * math.pi * EARTH_RADIUS_KM / 360  # about 111.2 km
    assert haversine_km(0, 0, 1, 0) == pytest.approx(expected)
    assert haversine_km(-7, 112, -8, 112) == pytest.approx(expected)


def test_quarter_of_the_equator_and_antipodes():
    assert haversine_km(0, 0, 0, 90) == pytest.approx(math.pi * EARTH_RADIUS_KM / 2)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_symmetric():
    a, b = TUGU_PAHLAWAN, (-7.3798, 112.7870)  # Juanda airport
    assert haversine_km(*a, *b) == pytest.approx(haversine_km(*b, *a))
    assert haversine_km(*a, *b) == pytest.approx(15.88, abs=0.1)


def test_nearest_balai_rw():
    found = nearest_within(-7.3120, 112.7270, BALAI_RW)
    assert found is not None
    key, km = found
    assert key == "ketintang-3"
    assert km == pytest.approx(haversine_km(-7.3120, 112.7270, -7.3109, 112.7277))


def test_nothing_within_range():
    assert nearest_within(-7.5, 112.5, BALAI_RW) is None  # Sidoarjo, ~30 km away
    assert nearest_within(-7.3120, 112.7270, BALAI_RW, max_km=0.05) is None


def test_no_points():
    assert nearest_within(-7.3, 112.7, []) is None


def test_points_without_coordinates_are_skipped():
    points = [("no-coords", None, None), ("half", -7.3120, None), *BALAI_RW]
    found = nearest_within(-7.3120, 112.7270, points)
    assert found is not None and found[0] == "ketintang-3"


def test_tie_goes_to_the_first_point():
    points = [("first", -7.30, 112.70), ("second", -7.30, 112.70)]
    assert nearest_within(-7.30, 112.70, points) == ("first", 0.0)


def test_accepts_any_iterable_and_key():
    points = ((rw_id, lat, lon) for rw_id, (_, lat, lon) in enumerate(BALAI_RW, start=10))
    found = nearest_within(-7.2651, 112.7519, points)
    assert found is not None and found[0] == 12


def test_limit_is_inclusive():
    km = haversine_km(-7.30, 112.70, -7.31, 112.70)
    assert nearest_within(-7.30, 112.70, [("a", -7.31, 112.70)], max_km=km) == ("a", km)
