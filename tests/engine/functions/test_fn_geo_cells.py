"""Geohash, S2 and H3 cells and S2 polygon geometry: the rules of each reference page, with its examples."""

from __future__ import annotations

from typing import Any

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.engine.functions import geohash


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def one(engine: LocalEngine, expression: str) -> Any:
    return engine.query(f"print r = {expression}").rows[0][0]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("geo_point_to_geohash(-73.975212, 40.789608, 5)", "dr72h"),
        ("geo_point_to_geohash(-73.975212, 40.789608)", "dr72h"),  # the default accuracy is 5
        ("geo_point_to_geohash(-73.975212, 40.789608, 19)", ""),  # accuracy 1..18
        ("geo_point_to_geohash(181, 40, 5)", ""),
        ("geo_point_to_s2cell(-80.195829, 25.802215, 8)", "88d9b"),
        ("geo_point_to_s2cell(300, 1, 8)", ""),
        ("geo_point_to_s2cell(1, 1, int(null))", ""),
        ("geo_point_to_s2cell(1, 1, 31)", ""),  # level 0..30
        ("geo_point_to_h3cell(-74.04450446039874, 40.689250859314974, 6)", "862a1072fffffff"),
        ("geo_point_to_h3cell(1, 1, 16)", ""),  # resolution 0..15
        ("geo_h3cell_parent('862a1072fffffff')", "852a1073fffffff"),
        ("geo_h3cell_parent('862a1072fffffff', 100)", ""),
        ("geo_h3cell_parent('123')", ""),
        ("geo_h3cell_level('862a1072fffffff')", 6),
        ("geo_h3cell_level('abc')", None),
        ("array_length(geo_h3cell_children('862a1072fffffff', 9))", 343),
        ("geo_h3cell_children('862a1072fffffff', 12)", None),  # more than 5 levels below
        ("geo_h3cell_children('862a1072fffffff', 5)", None),  # coarser than the cell
        ("geo_h3cell_rings('861f8894fffffff', 143)", None),  # distance 0..142
        ("geo_s2cell_neighbors('a')", None),
        ("geo_s2cell_to_central_point('a')", None),
        ("geo_geohash_to_polygon('dr5ra')", None),  # 'a' is not in the geohash alphabet
    ],
)
def test_reference_rules(engine: LocalEngine, expression: str, expected: Any) -> None:
    assert one(engine, expression) == expected


def test_cell_polygons_close_their_ring(engine: LocalEngine) -> None:
    box = one(engine, "geo_geohash_to_polygon('dr5ru')")
    assert box["coordinates"][0] == [
        [-74.00390625, 40.7373046875],
        [-73.9599609375, 40.7373046875],
        [-73.9599609375, 40.78125],
        [-74.00390625, 40.78125],
        [-74.00390625, 40.7373046875],
    ]
    s2 = one(engine, "geo_s2cell_to_polygon('89c259')")["coordinates"][0]
    assert s2[0] == s2[-1] and len(s2) == 5
    assert s2[1] == pytest.approx([-74.030012249838478, 40.7222262918358])
    h3 = one(engine, "geo_h3cell_to_polygon('862a1072fffffff')")["coordinates"][0]
    assert len(h3) == 7 and h3[0] == pytest.approx([-74.0022744646159, 40.735376026215022])


def test_h3_rings_are_grouped_by_grid_distance(engine: LocalEngine) -> None:
    rings = one(engine, "geo_h3cell_rings('861f8894fffffff', 2)")
    assert [len(r) for r in rings] == [1, 6, 12]
    assert rings[1] == one(engine, "geo_h3cell_neighbors('861f8894fffffff')")
    assert rings[1][0] == "861f88947ffffff"


def test_neighbors_are_the_cells_around(engine: LocalEngine) -> None:
    assert set(one(engine, "geo_s2cell_neighbors('89c259')")) == {
        "89c25d", "89c2f9", "89c251", "89c257", "89c25f", "89c25b", "89c2f7", "89c2f5",
    }  # fmt: skip
    assert set(one(engine, "geo_geohash_neighbors('sunny')")) == {
        "sunnt", "sunpj", "sunnx", "sunpn", "sunnv", "sunpp", "sunnz", "sunnw",
    }  # fmt: skip


def test_geohash_round_trip_center_lies_in_its_cell() -> None:
    code = geohash.encode(12.34, -56.78, 9)
    assert code is not None
    west, south, east, north = geohash.bounds(code) or (0, 0, 0, 0)
    assert west <= 12.34 <= east and south <= -56.78 <= north
    assert geohash.neighbors("b") is not None


CENTRAL_PARK = (
    'dynamic({"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],'
    "[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]})"
)


def test_polygon_measures(engine: LocalEngine) -> None:
    assert one(engine, f"geo_polygon_perimeter({CENTRAL_PARK})") == pytest.approx(9930.30149604938, rel=1e-9)
    area = one(engine, f"geo_polygon_area({CENTRAL_PARK})")
    assert 3.4e6 < area < 3.5e6  # Central Park is about 3.41 km²
    assert one(engine, f"geo_point_in_polygon(-73.9656, 40.7826, {CENTRAL_PARK})") is True
    assert one(engine, f"geo_point_in_polygon(-73.9, 40.7826, {CENTRAL_PARK})") is False
    assert one(engine, f"geo_distance_point_to_polygon(-73.9656, 40.7826, {CENTRAL_PARK})") == 0
    assert one(engine, f"geo_distance_point_to_polygon(-73.9, 40.7826, {CENTRAL_PARK})") > 4000


def test_winding_does_not_matter_the_smaller_region_is_meant(engine: LocalEngine) -> None:
    clockwise = (
        'dynamic({"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.97317886352539,40.76455136505513],'
        "[-73.98201942443848,40.76825672305777],[-73.95807266235352,40.80068603561921],[-73.9495,40.7969]]]})"
    )
    assert one(engine, f"geo_polygon_area({clockwise})") == pytest.approx(
        one(engine, f"geo_polygon_area({CENTRAL_PARK})")
    )


@pytest.mark.parametrize(
    "shape",
    [
        'dynamic({"type": "Polygon","coordinates": [[[0,0],[10,10],[10,10],[0,0]]]})',  # repeated vertex
        'dynamic({"type": "Polygon","coordinates": [[[0,0],[10,10],[10,0]]]})',  # not closed
        'dynamic({"type": "Polygon","coordinates": []})',
        'dynamic({"type": "LineString","coordinates": [[0,0],[1,1]]})',
    ],
)
def test_an_invalid_polygon_gives_null(engine: LocalEngine, shape: str) -> None:
    assert one(engine, f"geo_polygon_area({shape})") is None
    assert one(engine, f"geo_point_in_polygon(0, 0, {shape})") is None


def test_closest_point_on_polygon(engine: LocalEngine) -> None:
    outside = one(engine, f"geo_closest_point_on_polygon(-73.9839, 40.7705, {CENTRAL_PARK})")
    assert outside["coordinates"] == pytest.approx([-73.981205580153926, 40.769359452843211], rel=1e-12)
    inside = one(engine, f"geo_closest_point_on_polygon(-73.9656, 40.7826, {CENTRAL_PARK})")
    assert inside["coordinates"] == [-73.9656, 40.7826]  # a point the polygon holds is its own closest


def test_from_wkt(engine: LocalEngine) -> None:
    assert one(engine, 'geo_from_wkt("POLYGON ((0 0, 2 0, 2 2, 0 0))")') == {
        "type": "Polygon",
        "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 0]]],
    }
    assert one(engine, 'geo_from_wkt("LINESTRING (1 1, 2 2)")')["type"] == "LineString"
    assert one(engine, 'geo_from_wkt("POLYGON ((0 0, 2 0")') is None
    assert one(engine, 'geo_from_wkt("POINT Z (1 2 3)")') is None  # 2-D only


def test_a_ring_with_an_edge_of_180_degrees_is_invalid(engine: LocalEngine) -> None:
    antipodal = 'dynamic({"type":"Polygon","coordinates":[[[0,0],[180,0],[90,45],[0,0]]]})'
    assert one(engine, f"geo_polygon_area({antipodal})") is None
