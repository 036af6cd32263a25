"""Shape-building geospatial functions and the geo lookup plugins: the rules each reference page states
(invalid input is null; the sphere's geodesic edges; a refusal where the page leaves the result open)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def one(engine: LocalEngine, expression: str) -> Any:
    return engine.query(f"print r = {expression}").rows[0][0]


def line(*points: tuple[float, float]) -> str:
    return f"dynamic({json.dumps({'type': 'LineString', 'coordinates': [list(p) for p in points]})})"


def square(x0: float, y0: float, x1: float, y1: float) -> str:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return f"dynamic({json.dumps({'type': 'Polygon', 'coordinates': [ring]})})"


def inside(engine: LocalEngine, shape: Any, lon: float, lat: float) -> bool:
    return bool(one(engine, f"geo_point_in_polygon({lon}, {lat}, dynamic({json.dumps(shape)}))"))


# --- geo_intersection_2lines ----------------------------------------------------------------------------


def test_two_crossing_lines_meet_at_one_point_on_both_geodesics(engine: LocalEngine) -> None:
    point = one(engine, f"geo_intersection_2lines({line((-1, -1), (1, 1))}, {line((-1, 1), (1, -1))})")
    assert point["type"] == "Point"
    lon, lat = point["coordinates"]
    assert abs(lon) < 1e-12 and abs(lat) < 1e-12  # symmetric about the origin on the sphere too


def test_lines_that_do_not_meet_give_an_empty_collection(engine: LocalEngine) -> None:
    result = one(engine, f"geo_intersection_2lines({line((1, 1), (2, 2))}, {line((3, 3), (4, 4))})")
    assert result == {"type": "GeometryCollection", "geometries": []}


def test_a_line_with_itself_is_that_line(engine: LocalEngine) -> None:
    shape = line((10, 10), (11, 12), (13, 12))
    result = one(engine, f"geo_intersection_2lines({shape}, {shape})")
    assert result == {"type": "LineString", "coordinates": [[10, 10], [11, 12], [13, 12]]}


@pytest.mark.parametrize(
    "other",
    [
        line((3, 3)),  # a LineString needs two points
        line((300, 1), (1, 1)),  # longitude out of range
        line((0, 0), (180, 0)),  # antipodal vertices: no one shortest edge
        square(0, 0, 1, 1),  # not a line
        "dynamic(null)",
    ],
)
def test_an_invalid_line_gives_null(engine: LocalEngine, other: str) -> None:
    assert one(engine, f"geo_intersection_2lines({line((1, 1), (2, 2))}, {other})") is None


def test_lines_meeting_at_several_points_are_refused(engine: LocalEngine) -> None:
    zigzag = line((0, 1), (1, -1), (2, 1))
    with pytest.raises(UnsupportedKql, match="geo_intersection_2lines"):
        one(engine, f"geo_intersection_2lines({zigzag}, {line((-1, 0), (3, 0))})")


# --- geo_intersection_2polygons and geo_union_polygons_array --------------------------------------------


def test_the_intersection_of_overlapping_polygons_is_their_common_area(engine: LocalEngine) -> None:
    result = one(engine, f"geo_intersection_2polygons({square(0, 0, 2, 2)}, {square(1, 1, 3, 3)})")
    assert result["type"] == "Polygon"
    assert inside(engine, result, 1.5, 1.5)
    assert not inside(engine, result, 0.5, 0.5) and not inside(engine, result, 2.5, 2.5)


def test_disjoint_polygons_intersect_in_an_empty_collection(engine: LocalEngine) -> None:
    result = one(engine, f"geo_intersection_2polygons({square(0, 0, 1, 1)}, {square(5, 5, 6, 6)})")
    assert result == {"type": "GeometryCollection", "geometries": []}


def test_polygons_touching_at_a_vertex_intersect_in_that_point(engine: LocalEngine) -> None:
    result = one(engine, f"geo_intersection_2polygons({square(0, 0, 1, 1)}, {square(1, 1, 2, 2)})")
    assert result == {"type": "Point", "coordinates": [1.0, 1.0]}


def test_polygons_sharing_an_edge_are_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="geo_intersection_2polygons"):
        one(engine, f"geo_intersection_2polygons({square(0, 0, 1, 1)}, {square(1, 0, 2, 1)})")


def test_an_invalid_polygon_intersects_to_null(engine: LocalEngine) -> None:
    bad = 'dynamic({"type":"Polygon","coordinates":[[[0,0],[1,1]]]})'
    assert one(engine, f"geo_intersection_2polygons({square(0, 0, 1, 1)}, {bad})") is None


def test_the_union_covers_every_polygon(engine: LocalEngine) -> None:
    result = one(engine, f"geo_union_polygons_array(pack_array({square(0, 0, 2, 2)}, {square(1, 1, 3, 3)}))")
    assert result["type"] == "Polygon"
    assert all(inside(engine, result, x, y) for x, y in [(0.5, 0.5), (1.5, 1.5), (2.5, 2.5)])
    assert not inside(engine, result, 2.5, 0.5)


def test_the_union_of_disjoint_polygons_is_a_multipolygon(engine: LocalEngine) -> None:
    result = one(engine, f"geo_union_polygons_array(pack_array({square(0, 0, 1, 1)}, {square(5, 5, 6, 6)}))")
    assert result["type"] == "MultiPolygon" and len(result["coordinates"]) == 2


def test_one_invalid_polygon_makes_the_union_null(engine: LocalEngine) -> None:
    bad = 'dynamic({"type":"Polygon","coordinates":[[[0,0]]]})'
    assert one(engine, f"geo_union_polygons_array(pack_array({square(0, 0, 1, 1)}, {bad}))") is None
    assert one(engine, "geo_union_polygons_array(dynamic([1, 2]))") is None


def test_the_union_of_no_polygons_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="empty array"):
        one(engine, "geo_union_polygons_array(dynamic([]))")


# --- buffers, simplification, unions of lines, H3 coverings: null for invalid input, refused otherwise ---


@pytest.mark.parametrize(
    "expression",
    [
        'geo_line_buffer(dynamic({"type":"LineString"}), 5)',
        f"geo_line_buffer({line((0, 0), (1, 1))}, 0)",  # the radius must be positive
        f"geo_line_buffer({line((0, 0), (1, 1))}, -3)",
        f"geo_line_buffer({line((0, 0), (1, 1))}, 1000, 0.0001)",  # tolerance below 0.0001% of the radius
        f"geo_polygon_buffer({square(0, 0, 1, 1)}, 0)",
        'geo_polygon_buffer(dynamic({"type":"p"}), 1)',
        "geo_point_buffer(200, 10, 100)",
        "geo_point_buffer(10, 10, 0)",
        'geo_polygon_simplify(dynamic({"type":"Polygon","coordinates":[[[5,48],[5,48]]]}))',
        f"geo_polygon_simplify({square(0, 0, 1, 1)}, -0.1)",  # tolerance 0.1..10000
        f"geo_polygon_simplify({square(0, 0, 1, 1)}, 10001)",
        f"geo_line_simplify({line((0, 0), (1, 1))}, 0.05)",
        f"geo_simplify_polygons_array(pack_array({square(0, 0, 1, 1)}, dynamic(1)))",
        f"geo_union_lines_array(pack_array({line((0, 0), (1, 1))}, {line((1, 1))}))",
        'geo_polygon_to_h3cells(dynamic({"type":"Polygon","coordinates":[[[0,0],[1,1]]]}))',
        f"geo_polygon_to_h3cells({square(0, 0, 1, 1)}, 16)",  # resolution 0..15
        f"geo_polygon_to_h3cells({square(0, 0, 1, 1)}, 6, -1.0)",  # the radius is not negative
    ],
)
def test_invalid_input_gives_null(engine: LocalEngine, expression: str) -> None:
    assert one(engine, expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        f"geo_line_buffer({line((0, 0), (1, 1))}, 4)",
        f"geo_polygon_buffer({square(0, 0, 1, 1)}, 100, 1)",
        "geo_point_buffer(10, 10, 20000)",
        f"geo_polygon_simplify({square(0, 0, 1, 1)})",
        f"geo_line_simplify({line((0, 0), (1, 1))}, 10)",
        f"geo_simplify_polygons_array(pack_array({square(0, 0, 1, 1)}))",
        "geo_union_lines_array(pack_array("  # a branch
        f"{line((0, 0), (1, 1))}, {line((1, 1), (2, 1))}, {line((1, 1), (1, 2))}))",
        f"geo_polygon_to_h3cells({square(0, 0, 1, 1)}, 6, 100.0)",  # a buffer first
    ],
)
def test_a_valid_shape_whose_vertices_the_reference_leaves_open_is_refused(
    engine: LocalEngine, expression: str
) -> None:
    with pytest.raises(UnsupportedKql, match="not documented"):
        one(engine, expression)


# --- densification ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        line((-73.949247, 40.79686), (-73.973017, 40.764323)),  # 4 km: the gap is far below 10 m
        line((10, 0), (10, 40)),  # a meridian is its own geodesic
        line((0, 0), (40, 0)),  # so is the equator
    ],
)
def test_an_edge_within_the_tolerance_of_its_geodesic_is_kept(engine: LocalEngine, shape: str) -> None:
    assert one(engine, f"geo_line_densify({shape})") == json.loads(shape[len("dynamic(") : -1])


def test_a_polygon_within_the_tolerance_is_kept(engine: LocalEngine) -> None:
    shape = square(10, 0, 10.001, 0.001)
    assert one(engine, f"geo_polygon_densify({shape}, 10)") == json.loads(shape[len("dynamic(") : -1])


def test_an_edge_that_needs_points_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="geo_line_densify"):
        one(engine, f"geo_line_densify({line((50, 50), (51, 51))})")
    with pytest.raises(UnsupportedKql, match="geo_polygon_densify"):
        one(engine, f"geo_polygon_densify({square(10, 10, 11, 11)})")


@pytest.mark.parametrize(
    "expression",
    [
        f"geo_line_densify({line((300, 1), (1, 1))})",
        f"geo_line_densify({line((1, 1), (2, 2))}, 0)",  # tolerance 0.1..10000
        f"geo_polygon_densify({square(10, 10, 11, 11)}, 0)",
        'geo_polygon_densify(dynamic({"type":"Polygon","coordinates":[[[10,900],[11,10],[11,11],[10,10]]]}))',
    ],
)
def test_densifying_invalid_input_gives_null(engine: LocalEngine, expression: str) -> None:
    assert one(engine, expression) is None


# --- evaluate geo_line_lookup / geo_polygon_lookup ---------------------------------------------------------

_ROADS = f"""let roads = datatable(road_name:string, road:dynamic)
[
    "east-west", {line((0, 0), (1, 0))},
    "north-south", {line((0.5, -1), (0.5, 1))},
    "broken", dynamic({{"type":"LineString","coordinates":[[0, 0]]}}),
];
let places = datatable(place:string, lon:real, lat:real)
[
    "crossing", 0.5, 0.0005,
    "near east-west", 0.2, 0.0005,
    "far", 5.0, 5.0,
    "invalid", 500.0, 0.0,
];
"""


def lookup_rows(engine: LocalEngine, query: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in engine.query(query).rows)


def test_a_location_matches_every_line_within_the_radius(engine: LocalEngine) -> None:
    rows = lookup_rows(
        engine,
        _ROADS + "places | evaluate geo_line_lookup(roads, road, lon, lat, 100) | project place, road_name",
    )
    # 0.0005 degrees of latitude is about 56 m from the east-west line; "crossing" is on both lines.
    assert rows == [("crossing", "east-west"), ("crossing", "north-south"), ("near east-west", "east-west")]


def test_unmatched_locations_are_kept_on_request(engine: LocalEngine) -> None:
    rows = lookup_rows(
        engine,
        _ROADS + "places | evaluate geo_line_lookup(roads, road, lon, lat, 10, return_unmatched = true) "
        "| project place, road_name",
    )
    assert rows == [("crossing", "north-south"), ("far", ""), ("invalid", ""), ("near east-west", "")]


def test_a_location_matches_the_polygons_that_hold_it_or_lie_within_the_radius(engine: LocalEngine) -> None:
    query = f"""let zones = datatable(zone:string, shape:dynamic)
    [ "a", {square(0, 0, 1, 1)}, "b", {square(2, 2, 3, 3)} ];
    datatable(place:string, lon:real, lat:real) [ "in a", 0.5, 0.5, "next to b", 3.0005, 2.5 ]
    """
    project = " | project place, zone"
    held = lookup_rows(engine, query + "| evaluate geo_polygon_lookup(zones, shape, lon, lat)" + project)
    assert held == [("in a", "a")]
    near = lookup_rows(
        engine, query + "| evaluate geo_polygon_lookup(zones, shape, lon, lat, radius = 100)" + project
    )
    assert near == [("in a", "a"), ("next to b", "b")]


def test_a_distance_equal_to_the_radius_is_refused() -> None:
    from kqlrules.engine.errors import RefusedAtRunTime
    from kqlrules.engine.functions import geo_matching
    from kqlrules.engine.functions.dynamic_runtime import geo_distance_point_to_line

    shape = json.dumps({"type": "LineString", "coordinates": [[0, 0], [1, 0]]})
    distance = geo_distance_point_to_line(0.5, 0.001, shape)
    assert distance is not None
    assert geo_matching.line_within(0.5, 0.001, shape, distance * 2) is True
    assert geo_matching.line_within(0.5, 0.001, shape, distance / 2) is False
    with pytest.raises(RefusedAtRunTime, match="exactly at the radius"):
        geo_matching.line_within(0.5, 0.001, shape, distance)


# --- geo_intersection_line_with_polygon ---------------------------------------------------------------------


def test_the_part_of_a_line_inside_a_polygon(engine: LocalEngine) -> None:
    result = one(
        engine, f"geo_intersection_line_with_polygon({line((-1, 0.5), (0.5, 0.5))}, {square(0, 0, 1, 1)})"
    )
    assert result["type"] == "LineString"
    (start, end) = result["coordinates"]
    assert abs(start[0]) < 1e-9 and end == [0.5, 0.5]  # enters on the 0 meridian, ends at its own vertex


def test_a_line_crossing_a_hole_gives_the_parts_outside_it(engine: LocalEngine) -> None:
    ring = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]]
    holed = f"dynamic({json.dumps({'type': 'Polygon', 'coordinates': [ring, hole]})})"
    result = one(engine, f"geo_intersection_line_with_polygon({line((-1, 2), (5, 2))}, {holed})")
    assert result["type"] == "MultiLineString" and len(result["coordinates"]) == 2


def test_a_line_outside_the_polygon_gives_an_empty_collection(engine: LocalEngine) -> None:
    result = one(engine, f"geo_intersection_line_with_polygon({line((5, 5), (6, 6))}, {square(0, 0, 1, 1)})")
    assert result == {"type": "GeometryCollection", "geometries": []}


def test_a_line_touching_the_polygon_at_a_vertex_only_is_refused(engine: LocalEngine) -> None:
    # By symmetry the geodesic from (-1, 1) to (1, -1) passes through (0, 0), the square's corner.
    with pytest.raises(UnsupportedKql, match="geo_intersection_line_with_polygon"):
        one(engine, f"geo_intersection_line_with_polygon({line((-1, 1), (1, -1))}, {square(0, 0, 1, 1)})")


@pytest.mark.parametrize(
    ("shape", "other"),
    [
        (line((1, 1)), square(0, 0, 1, 1)),
        (line((1, 1), (2, 2)), 'dynamic({"type":"Polygon","coordinates":[]})'),
    ],
)
def test_an_invalid_line_or_polygon_intersects_to_null(engine: LocalEngine, shape: str, other: str) -> None:
    assert one(engine, f"geo_intersection_line_with_polygon({shape}, {other})") is None


# --- geo_polygon_to_s2cells / geo_line_to_s2cells -----------------------------------------------------------


def test_the_covering_holds_the_cell_of_every_point_of_the_polygon(engine: LocalEngine) -> None:
    cells = one(engine, f"geo_polygon_to_s2cells({square(10.1, 10.1, 10.9, 10.9)}, 8)")
    assert cells == sorted(cells, key=lambda token: int(token.ljust(16, "0"), 16))  # S2 cell id order
    for lon, lat in [(10.2, 10.2), (10.5, 10.5), (10.85, 10.15)]:
        assert one(engine, f"geo_point_to_s2cell({lon}, {lat}, 8)") in cells
    assert one(engine, "geo_point_to_s2cell(12, 12, 8)") not in cells
    assert len(set(cells)) == len(cells)


def test_a_radius_widens_the_covering(engine: LocalEngine) -> None:
    shape = line((10.1, 10.1), (10.2, 10.2))
    narrow = one(engine, f"geo_line_to_s2cells({shape}, 12)")
    wide = one(engine, f"geo_line_to_s2cells({shape}, 12, 5000)")
    assert set(narrow) < set(wide)
    assert one(engine, "geo_point_to_s2cell(10.15, 10.15, 12)") in narrow


@pytest.mark.parametrize(
    "expression",
    [
        f"geo_polygon_to_s2cells({square(0, 0, 1, 1)}, 31)",  # level 0..30
        f"geo_polygon_to_s2cells({square(0, 0, 1, 1)}, -1)",
        f"geo_polygon_to_s2cells({square(0, 0, 1, 1)}, 30)",  # more than 65,536 cells
        'geo_polygon_to_s2cells(dynamic({"type":"Polygon","coordinates":[[[0,0],[1,1]]]}))',
        f"geo_line_to_s2cells({line((1, 1))}, 5)",
        f"geo_line_to_s2cells({line((0, 0), (1, 1))}, 5, -1)",  # the radius is not negative
        f"geo_line_to_s2cells({line((0, 0), (10, 10))}, 30)",
    ],
)
def test_an_invalid_covering_is_null(engine: LocalEngine, expression: str) -> None:
    assert one(engine, expression) is None


# --- geo_polygon_to_h3cells --------------------------------------------------------------------------------


def test_the_h3_cells_are_those_whose_centroid_the_polygon_holds(engine: LocalEngine) -> None:
    import h3

    cells = one(engine, f"geo_polygon_to_h3cells({square(10, 10, 11, 11)}, 5)")
    assert cells and len(set(cells)) == len(cells)
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        assert 10 <= lon <= 11 and 10 <= lat <= 11
    # Every cell of the area whose centroid lies well inside is there.
    for lat, lon in [(10.5, 10.5), (10.2, 10.8)]:
        cell = h3.latlng_to_cell(lat, lon, 5)
        centre_lat, centre_lon = h3.cell_to_latlng(cell)
        if 10.05 < centre_lat < 10.95 and 10.05 < centre_lon < 10.95:
            assert cell in cells


def test_a_hole_leaves_its_cells_out(engine: LocalEngine) -> None:
    ring = [[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]
    hole = [[10.3, 10.3], [10.3, 10.7], [10.7, 10.7], [10.7, 10.3], [10.3, 10.3]]
    holed = f"dynamic({json.dumps({'type': 'Polygon', 'coordinates': [ring, hole]})})"
    import h3

    cells = one(engine, f"geo_polygon_to_h3cells({holed}, 6)")
    assert h3.latlng_to_cell(10.5, 10.5, 6) not in cells
    assert h3.latlng_to_cell(10.1, 10.1, 6) in cells


def test_more_h3_cells_than_the_limit_give_null(engine: LocalEngine) -> None:
    assert one(engine, f"geo_polygon_to_h3cells({square(0, 0, 10, 10)}, 12)") is None


# --- geo_line_centroid ---------------------------------------------------------------------------------


def test_the_centroid_of_a_symmetric_line_is_its_middle(engine: LocalEngine) -> None:
    point = one(engine, f"geo_line_centroid({line((-1, 0), (1, 0))})")
    assert point["type"] == "Point"
    assert all(abs(c) < 1e-12 for c in point["coordinates"])


def test_the_centroid_weighs_edges_by_length(engine: LocalEngine) -> None:
    # Two edges along the equator, 1 and 3 degrees long: the centroid lies in the longer one, past its start.
    point = one(engine, f"geo_line_centroid({line((0, 0), (1, 0), (4, 0))})")
    assert 1.9 < point["coordinates"][0] < 2.1 and abs(point["coordinates"][1]) < 1e-12


def test_the_centroid_of_an_invalid_line_is_null(engine: LocalEngine) -> None:
    assert one(engine, f"geo_line_centroid({line((1, 1))})") is None


def test_overlapping_lines_and_a_line_of_no_length_are_refused(engine: LocalEngine) -> None:
    overlapping = {"type": "MultiLineString", "coordinates": [[[0, 0], [2, 0]], [[1, 0], [3, 0]]]}
    with pytest.raises(UnsupportedKql, match="overlap"):
        one(engine, f"geo_line_centroid(dynamic({json.dumps(overlapping)}))")
    with pytest.raises(UnsupportedKql, match="no length"):
        one(engine, f"geo_line_centroid({line((1, 1), (1, 1))})")


# --- geo_union_lines_array --------------------------------------------------------------------------------


def test_lines_that_continue_each_other_unite_into_one_chain(engine: LocalEngine) -> None:
    lines = (
        f"pack_array({line((0, 0), (1, 1), (2, 1))}, {line((1, 1), (2, 1), (3, 0))}, {line((1, 1), (2, 1))})"
    )
    result = one(engine, f"geo_union_lines_array({lines})")
    assert result == {"type": "LineString", "coordinates": [[0, 0], [1, 1], [2, 1], [3, 0]]}


@pytest.mark.parametrize(
    "lines",
    [
        f"pack_array({line((0, 0), (2, 0))}, {line((1, 0), (3, 0))})",  # overlap in part
        f"pack_array({line((0, -1), (0, 1))}, {line((-1, 0), (1, 0))})",  # cross
        f"pack_array({line((0, 0), (1, 0))}, {line((5, 5), (6, 5))})",  # apart
        f"pack_array({line((1, 0), (2, 0))}, {line((0, 0), (1, 0))})",  # the first vertex inside the chain
    ],
)
def test_a_union_that_is_not_one_chain_is_refused(engine: LocalEngine, lines: str) -> None:
    with pytest.raises(UnsupportedKql, match="geo_union_lines_array"):
        one(engine, f"geo_union_lines_array({lines})")


@pytest.mark.parametrize(
    "expression",
    [
        # S2's polyline intersection reports a partial overlap as one point: the engine refuses it instead.
        f"geo_intersection_2lines({line((0, 0), (2, 0))}, {line((1, 0), (3, 0))})",
        f"geo_intersection_line_with_polygon({line((-1, 0), (2, 0))}, {square(0, 0, 1, 1)})",
        f"geo_intersection_2polygons({square(0, 0, 2, 2)}, {square(1, 0, 3, 2)})",
    ],
)
def test_shapes_sharing_a_stretch_are_refused(engine: LocalEngine, expression: str) -> None:
    with pytest.raises(UnsupportedKql, match=r"stretch|along"):
        one(engine, expression)


def test_a_polygon_smaller_than_the_tolerance_disappears(engine: LocalEngine) -> None:
    small = square(10, 10, 10.001, 10.001)  # about 155 m across its diagonal
    assert one(engine, f"geo_polygon_simplify({small}, 1000)") is None
    assert (
        one(
            engine,
            f"geo_simplify_polygons_array(pack_array({small}, {square(10.002, 10, 10.003, 10.001)}), 1000)",
        )
        is None
    )
    with pytest.raises(UnsupportedKql, match="geo_polygon_simplify"):
        one(engine, f"geo_polygon_simplify({small}, 100)")  # a diagonal longer than the tolerance remains
