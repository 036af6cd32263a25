"""Geospatial functions that build new shapes: intersections, unions, buffers, simplification, densification
and polygon coverings.

Each reference page (learn.microsoft.com/kusto/query/geo-<name>-function) states which input is invalid
(null result) and what the result is. The engine checks the input by those rules, so an invalid shape,
coordinate, radius or tolerance gives null as the page says. Where a valid input's result is a shape whose
vertices the reference does not pin down (where a buffer places its vertices, which vertices simplification
keeps, where densification adds its points, how Kusto's builder chains a union of lines), the row is refused
with `UnsupportedKql` instead of guessed. What is computed:

- geo_intersection_2lines(a, b): the points where two (Multi)LineStrings cross, one point as a GeoJSON Point,
  none as an empty GeometryCollection (the page's examples), and the shared stretch of two lines as a
  LineString where it is one chain of the first line's edges (the same line given twice is that line).
- geo_intersection_2polygons(a, b), geo_union_polygons_array(array): S2's boolean operation (the same S2
  library Kusto's sphere model is built on, through `spherely`), as a Polygon or MultiPolygon, or an empty
  GeometryCollection; a single touching point of two polygons that do not overlap is that Point.
- geo_line_densify / geo_polygon_densify: a shape whose every planar edge lies within the tolerance of its
  geodesic edge is returned unchanged (the pages' first examples); one that needs points added is refused.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import reduce
from typing import Any

import h3
import shapely
import shapely.geometry
import spherely

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.dynamic_runtime import (
    _EARTH_RADIUS_METERS,
    _angle,
    _angle_to_edge,
    _cross,
    _dot,
    _great_circle,
    _line_points,
    _on_arc,
    _point,
    _unit_vector,
)
from kqlrules.engine.functions.geo_shapes import polygon
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import NUMERIC_TYPES, arity, as_real, fn
from kqlrules.engine.sql import Sql

_EMPTY_COLLECTION = {"type": "GeometryCollection", "geometries": []}


class RefusedShape(RefusedAtRunTime):
    """A valid input whose result shape the reference does not pin down."""


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def _geojson(geography: Any) -> dict[str, Any]:
    """A spherely geography as GeoJSON, every coordinate at full double precision (through WKB)."""
    if spherely.is_empty(geography):
        return dict(_EMPTY_COLLECTION)
    shape = shapely.from_wkb(spherely.to_wkb(geography))
    result: dict[str, Any] = _lists(shapely.geometry.mapping(shape))
    return result


def _vertices(value: Any) -> dict[tuple[float, float], list[Any]]:
    """Every [longitude, latitude] pair of a GeoJSON value, keyed by its rounding to 1e-9 degrees."""
    found: dict[tuple[float, float], list[Any]] = {}
    if isinstance(value, dict):
        for item in value.values():
            found.update(_vertices(item))
    elif isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            found[(round(float(value[0]), 9), round(float(value[1]), 9))] = value
        else:
            for item in value:
                found.update(_vertices(item))
    return found


def _snapped(value: Any, inputs: dict[tuple[float, float], list[Any]]) -> Any:
    """A result's vertices that are the inputs' own, as the input wrote them: S2 computes on unit vectors,
    and the round trip leaves the last bit of a degree off (0.9999999999999998 for 1)."""
    if isinstance(value, dict):
        return {k: _snapped(v, inputs) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, float) for v in value):
            original = inputs.get((round(value[0], 9), round(value[1], 9)))
            if original is not None and all(
                abs(float(o) - v) <= 1e-12 * max(1.0, abs(v)) for o, v in zip(original, value, strict=True)
            ):
                return list(original)
            return value
        return [_snapped(v, inputs) for v in value]
    return value


def _line(text: str) -> list[list[list[float]]] | None:
    """A valid (Multi)LineString's lines; its edges shorter than 180 degrees, as the pages require."""
    lines = _line_points(text)
    if lines is None:
        return None
    for line in lines:
        for a, b in itertools.pairwise(line):
            va, vb = _unit_vector(a), _unit_vector(b)
            if sum(x * y for x, y in zip(va, vb, strict=True)) <= -1 + 1e-15:
                return None  # antipodal vertices: no one shortest edge
    return lines


def _overlap_in_a_stretch(a: list[list[float]], b: list[list[float]]) -> bool:
    """Whether two edges run along the same great circle over a stretch (S2's polyline intersection reports
    such an overlap as a single point, so the engine tests it itself)."""
    a0, a1, b0, b1 = (_unit_vector(p) for p in (a[0], a[1], b[0], b[1]))
    na, nb = _cross(a0, a1), _cross(b0, b1)
    size_a, size_b = math.sqrt(_dot(na, na)), math.sqrt(_dot(nb, nb))
    if size_a == 0 or size_b == 0:
        return False
    between = _cross(na, nb)
    if math.sqrt(_dot(between, between)) > 1e-12 * size_a * size_b:
        return False  # not on one great circle
    if {_key(a[0]), _key(a[1])} == {_key(b[0]), _key(b[1])}:
        return True

    def strictly_inside(p: tuple[float, ...], x: tuple[float, ...], y: tuple[float, ...]) -> bool:
        return _on_arc(p, x, y) and min(_angle(p, x), _angle(p, y)) > 1e-12

    return any(strictly_inside(p, a0, a1) for p in (b0, b1)) or any(
        strictly_inside(p, b0, b1) for p in (a0, a1)
    )


def _ring_edges(text: str) -> list[list[list[float]]]:
    shape = _load(text)
    parts = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
    return [[p, q] for part in parts for ring in part for p, q in itertools.pairwise(ring)]


def _share_a_stretch(edges_a: list[list[list[float]]], edges_b: list[list[list[float]]]) -> bool:
    return any(_overlap_in_a_stretch(a, b) for a, b in itertools.product(edges_a, edges_b))


def _key(point: list[float]) -> tuple[float, float]:
    return (round(float(point[0]), 9), round(float(point[1]), 9))


def _geography_of_lines(lines: list[list[list[float]]]) -> Any:
    parts = [spherely.create_linestring([(p[0], p[1]) for p in line]) for line in lines]
    return parts[0] if len(parts) == 1 else spherely.create_multilinestring(parts)


# --- intersections ------------------------------------------------------------------------------------


def _vertex_of(point: list[float], line: list[list[float]]) -> int | None:
    """The index of the line's vertex at `point` (S2 returns vertices to within a rounding), or None."""
    for i, vertex in enumerate(line):
        if abs(vertex[0] - point[0]) <= 1e-9 and abs(vertex[1] - point[1]) <= 1e-9:
            return i
    return None


def _shared_chain(
    first: list[list[list[float]]], pieces: list[list[list[float]]]
) -> list[list[float]] | None:
    """The stretch two lines share as one chain of the first line's whole edges, or None when it is not
    one such chain (then where Kusto's builder would split or join it is not documented)."""
    for line in first:
        edges: set[int] = set()
        for piece in pieces:
            at = [_vertex_of(p, line) for p in piece]
            if any(i is None for i in at):
                break
            for i, j in itertools.pairwise(at):
                if i is None or j is None or abs(i - j) != 1:
                    return None
                edges.add(min(i, j))
        else:
            ordered = sorted(edges)
            if not ordered or ordered != list(range(ordered[0], ordered[-1] + 1)):
                return None
            return line[ordered[0] : ordered[-1] + 2]
    return None


def intersection_2lines(first: str, second: str) -> str | None:
    """geo-intersection-2lines-function: the intersection of two lines or multilines; invalid gives null."""
    a, b = _line(first), _line(second)
    if a is None or b is None:
        return None
    edges_a = [[p, q] for line in a for p, q in itertools.pairwise(line)]
    edges_b = [[p, q] for line in b for p, q in itertools.pairwise(line)]
    for edge_a, edge_b in itertools.product(edges_a, edges_b):
        identical = {_key(edge_a[0]), _key(edge_a[1])} == {_key(edge_b[0]), _key(edge_b[1])}
        if not identical and _overlap_in_a_stretch(edge_a, edge_b):
            raise RefusedShape(
                "geo_intersection_2lines() of lines that overlap along part of an edge (how Kusto splits "
                "the shared stretch is not documented)"
            )
    inputs = {**_vertices(_load(first)), **_vertices(_load(second))}
    result = _snapped(_geojson(spherely.intersection(_geography_of_lines(a), _geography_of_lines(b))), inputs)
    kind = result["type"]
    if kind == "GeometryCollection" and not result["geometries"]:
        return _dump(result)
    if kind == "Point":
        return _dump(result)
    if kind in ("LineString", "MultiLineString"):
        pieces = [result["coordinates"]] if kind == "LineString" else result["coordinates"]
        chain = _shared_chain(a, pieces)
        if chain is not None:
            return _dump({"type": "LineString", "coordinates": chain})
    raise RefusedShape(
        "geo_intersection_2lines() of lines that meet at several places or share a stretch that is not "
        "one chain of edges (how Kusto orders and joins the parts is not documented)"
    )


def line_centroid(text: str) -> str | None:
    """geo-line-centroid-function: the centroid of a line, or of the union of a multiline's lines, on the
    sphere (S2's length-weighted centroid of the geodesic edges), as a GeoJSON Point; invalid gives null.
    Lines of a multiline that share a stretch would count it once in their union: refused. A line of no
    length has no centroid: refused (not documented)."""
    lines = _line(text)
    if lines is None:
        return None
    for first, second in itertools.combinations(lines, 2):
        if any(
            _overlap_in_a_stretch([p, q], [r, t])
            for p, q in itertools.pairwise(first)
            for r, t in itertools.pairwise(second)
        ):
            raise RefusedShape("geo_line_centroid() of a multiline whose lines overlap (not documented)")
    if not any(a != b for line in lines for a, b in itertools.pairwise(line)):
        raise RefusedShape("geo_line_centroid() of a line of no length (not documented)")
    centre = spherely.centroid(_geography_of_lines(lines))
    point = [float(spherely.get_x(centre)), float(spherely.get_y(centre))]
    return _dump({"type": "Point", "coordinates": point})


def _polygon_result(area: Any) -> dict[str, Any]:
    result = _geojson(area)
    if result["type"] not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        raise RefusedShape("a polygon operation whose result is not a polygon")
    return result


# A contact point this close to the overlap lies on its boundary (a crossing of the two boundaries, which
# S2 computes to within a few nanometers); anything farther is a contact outside the overlap.
_ON_BOUNDARY_METERS = 1e-6


def _contacts_outside(area: Any, contact: Any) -> list[list[float]] | None:
    """The points where the boundaries meet away from the overlap, or None when they share a stretch."""
    shape = _geojson(contact)
    kind = shape["type"]
    if kind == "GeometryCollection" and not shape["geometries"]:
        return []
    if kind not in ("Point", "MultiPoint"):
        return None
    points = [shape["coordinates"]] if kind == "Point" else shape["coordinates"]
    if spherely.is_empty(area):
        return [list(p) for p in points]
    return [
        list(p)
        for p in points
        if float(spherely.distance(area, spherely.create_point(p[0], p[1]))) > _ON_BOUNDARY_METERS
    ]


def intersection_2polygons(first: str, second: str) -> str | None:
    """geo-intersection-2polygons-function: the intersection of two (multi)polygons; invalid gives null.

    The overlap is S2's boolean intersection. Where the polygons' boundaries also meet outside it (a
    touching vertex), Kusto returns that contact too (the page's examples: a Point alone, or a
    GeometryCollection of the Point and then the overlap, S2's order of points before polygons). One such
    point is answered; several, or a shared stretch of boundary, are refused (their form is not documented).
    """
    a, b = polygon(first), polygon(second)
    if a is None or b is None:
        return None
    if _share_a_stretch(_ring_edges(first), _ring_edges(second)):
        raise RefusedShape(
            "geo_intersection_2polygons() of polygons whose boundaries share a stretch (the form of that "
            "part of the result is not documented)"
        )
    inputs = {**_vertices(_load(first)), **_vertices(_load(second))}
    area = spherely.intersection(a, b)
    extra = _contacts_outside(area, spherely.intersection(spherely.boundary(a), spherely.boundary(b)))
    if extra == []:
        return _dump(_snapped(_polygon_result(area), inputs))
    if extra is not None and len(extra) == 1:
        point = _snapped({"type": "Point", "coordinates": extra[0]}, inputs)
        if spherely.is_empty(area):
            return _dump(point)
        collection = {"type": "GeometryCollection", "geometries": [point, _polygon_result(area)]}
        return _dump(_snapped(collection, inputs))
    raise RefusedShape(
        "geo_intersection_2polygons() of polygons whose boundaries meet outside their overlap at several "
        "points or along a stretch (the form of that part of the result is not documented)"
    )


def intersection_line_with_polygon(line_text: str, polygon_text: str) -> str | None:
    """geo-intersection-line-with-polygon-function: the parts of a (multi)line inside a (multi)polygon, by
    S2's boolean intersection; invalid input gives null. The page says the polygon contains its vertices
    (a closed polygon): where the line meets the boundary outside those parts (touching it at a point or
    running along it) the engine refuses, S2's default model keeping the boundary out."""
    lines, shape = _line(line_text), polygon(polygon_text)
    if lines is None or shape is None:
        return None
    line_edges = [[p, q] for line in lines for p, q in itertools.pairwise(line)]
    if _share_a_stretch(line_edges, _ring_edges(polygon_text)):
        raise RefusedShape(
            "geo_intersection_line_with_polygon() of a line running along the polygon's boundary (the form "
            "of that part of the result is not documented)"
        )
    inputs = {**_vertices(_load(line_text)), **_vertices(_load(polygon_text))}
    geography = _geography_of_lines(lines)
    inside = spherely.intersection(geography, shape)
    contact = _geojson(spherely.intersection(geography, spherely.boundary(shape)))
    kind = contact["type"]
    points: list[list[float]] | None = None
    if kind == "GeometryCollection" and not contact["geometries"]:
        points = []
    if kind in ("Point", "MultiPoint"):
        points = [contact["coordinates"]] if kind == "Point" else contact["coordinates"]
    if points is None or any(
        spherely.is_empty(inside)
        or float(spherely.distance(inside, spherely.create_point(p[0], p[1]))) > _ON_BOUNDARY_METERS
        for p in points
    ):
        raise RefusedShape(
            "geo_intersection_line_with_polygon() of a line that meets the polygon's boundary outside the "
            "parts inside it (the form of that part of the result is not documented)"
        )
    result = _geojson(inside)
    if result["type"] not in ("LineString", "MultiLineString", "GeometryCollection"):
        raise RefusedShape("geo_intersection_line_with_polygon() whose result is not a line")
    return _dump(_snapped(result, inputs))


def _polygons(text: str) -> list[Any] | None:
    items = _load(text)
    if not isinstance(items, list):
        return None
    shapes = [polygon(json.dumps(item)) if isinstance(item, dict) else None for item in items]
    return None if any(s is None for s in shapes) else shapes


def union_polygons_array(text: str) -> str | None:
    """geo-union-polygons-array-function: the union of an array of (multi)polygons; any invalid gives
    null. An empty array is refused: the page does not say what it gives."""
    shapes = _polygons(text)
    if shapes is None:
        return None
    if not shapes:
        raise RefusedShape("geo_union_polygons_array() of an empty array (not documented)")
    return _dump(_snapped(_polygon_result(reduce(spherely.union, shapes)), _vertices(_load(text))))


# --- validity only: the result's vertices are not documented ---------------------------------------------


def _refuse(function: str, why: str) -> RefusedShape:
    return RefusedShape(f"{function}() of a valid shape ({why} is not documented)")


def _buffer_arguments_valid(radius: float, tolerance: float) -> bool:
    # geo-*-buffer-function: the radius must be positive; the tolerance no lower than 0.0001% of the radius.
    return math.isfinite(radius) and radius > 0 and math.isfinite(tolerance) and tolerance >= radius * 1e-6


def line_buffer(text: str, radius: float, tolerance: float) -> str | None:
    if _line(text) is None or not _buffer_arguments_valid(radius, tolerance):
        return None
    raise _refuse("geo_line_buffer", "where the buffer places its vertices")


def polygon_buffer(text: str, radius: float, tolerance: float) -> str | None:
    if polygon(text) is None or not _buffer_arguments_valid(radius, tolerance):
        return None
    raise _refuse("geo_polygon_buffer", "where the buffer places its vertices")


def point_buffer(longitude: float, latitude: float, radius: float, tolerance: float) -> str | None:
    if _point([longitude, latitude]) is None or not _buffer_arguments_valid(radius, tolerance):
        return None
    raise _refuse("geo_point_buffer", "where the buffer places its vertices")


def _tolerance_valid(tolerance: float) -> bool:
    # geo-polygon-simplify-function, geo-line-simplify-function, geo-*-densify-function: [0.1, 10000] meters.
    return 0.1 <= tolerance <= 10_000


# Beyond this many vertices the engine does not compare every pair (the disappearance test below).
_MAX_VERTICES_COMPARED = 2_000


def _all_within(vertices: list[list[float]], tolerance: float) -> bool:
    """Whether every two vertices are closer than the tolerance (clearly, not within a rounding of it)."""
    if len(vertices) > _MAX_VERTICES_COMPARED:
        return False
    return all(_great_circle(a, b) < tolerance * (1 - 1e-9) for a, b in itertools.combinations(vertices, 2))


def _disappears(texts: list[str], tolerance: float) -> bool:
    """geo-polygon-simplify-function: the result has "no two vertices with distance less than tolerance",
    its vertices are input vertices (chains of short edges become one long edge), and "high tolerance may
    cause small polygon to disappear" (null, as the page's example prints). When every two vertices of the
    input are closer than the tolerance, no ring of three can remain: the result is null."""
    vertices = [v for text in texts for v in _vertices(_load(text)).values()]
    return _all_within(vertices, tolerance)


def polygon_simplify(text: str, tolerance: float) -> str | None:
    if polygon(text) is None or not _tolerance_valid(tolerance):
        return None
    if _disappears([text], tolerance):
        return None
    raise _refuse("geo_polygon_simplify", "which vertices simplification keeps")


def line_simplify(text: str, tolerance: float) -> str | None:
    if _line(text) is None or not _tolerance_valid(tolerance):
        return None
    raise _refuse("geo_line_simplify", "which vertices simplification keeps")


def simplify_polygons_array(text: str, tolerance: float) -> str | None:
    shapes = _polygons(text)
    if shapes is None or not _tolerance_valid(tolerance):
        return None
    if shapes and _disappears([text], tolerance):
        return None  # every polygon disappears (geo-simplify-polygons-array-function's example: null)
    raise _refuse("geo_simplify_polygons_array", "which vertices simplification keeps")


def _edges_meet_inside(a: list[list[float]], b: list[list[float]]) -> bool:
    """Whether two distinct edges meet anywhere but at a shared end vertex."""
    if _overlap_in_a_stretch(a, b):
        return True
    meeting = _geojson(spherely.intersection(_geography_of_lines([a]), _geography_of_lines([b])))
    if meeting["type"] == "GeometryCollection" and not meeting["geometries"]:
        return False
    if meeting["type"] != "Point":
        return True
    shared = {_key(a[0]), _key(a[1])} & {_key(b[0]), _key(b[1])}
    return _key(meeting["coordinates"]) not in shared


def union_lines_array(text: str) -> str | None:
    """geo-union-lines-array-function: the union of an array of lines or multilines; any invalid gives
    null. The union is answered where it is one chain: the input's edges, each counted once, form a single
    path from the first line's first vertex; it is that LineString (the page's example). Lines that branch,
    cross, overlap in part, form a loop or fall apart are refused: how Kusto splits and orders those parts
    is not documented."""
    items = _load(text)
    if not isinstance(items, list) or any(not isinstance(item, dict) for item in items):
        return None
    parsed = [_line(json.dumps(item)) for item in items]
    if any(p is None for p in parsed):
        return None
    lines = [line for p in parsed if p is not None for line in p]
    if not lines:
        raise RefusedShape("geo_union_lines_array() of an empty array (not documented)")
    refusal = RefusedShape(
        "geo_union_lines_array() of lines that branch, cross, overlap in part or do not form one chain "
        "(how Kusto splits and orders the parts is not documented)"
    )
    vertices: dict[tuple[float, float], list[float]] = {}
    edges: dict[frozenset[tuple[float, float]], list[list[float]]] = {}
    for line in lines:
        for a, b in itertools.pairwise(line):
            if _key(a) == _key(b):
                continue
            vertices.setdefault(_key(a), a)
            vertices.setdefault(_key(b), b)
            edges.setdefault(frozenset((_key(a), _key(b))), [a, b])
    distinct = list(edges.values())
    if any(_edges_meet_inside(a, b) for a, b in itertools.combinations(distinct, 2)):
        raise refusal
    neighbours: dict[tuple[float, float], list[tuple[float, float]]] = {k: [] for k in vertices}
    for pair in edges:
        end_a, end_b = tuple(pair)
        neighbours[end_a].append(end_b)
        neighbours[end_b].append(end_a)
    start = _key(lines[0][0])
    if any(len(n) > 2 for n in neighbours.values()) or len(neighbours.get(start, [])) != 1:
        raise refusal
    path, previous = [start], None
    while True:
        following = [n for n in neighbours[path[-1]] if n != previous]
        if not following:
            break
        previous = path[-1]
        path.append(following[0])
    if len(path) != len(vertices):
        raise refusal
    return _dump({"type": "LineString", "coordinates": [vertices[k] for k in path]})


# geo-polygon-to-h3cells-function: at most 61,680 cells, else null.
MAX_H3_CELLS = 61_680


def polygon_to_h3cells(text: str, resolution: int, radius: float) -> str | None:
    """geo-polygon-to-h3cells-function: the H3 cells of the resolution (0..15, default 6) whose centroids
    the polygon holds, its edges straight lines in longitude and latitude (H3's polygon-to-cells rule);
    an invalid polygon, resolution or radius (negative), or more than 61,680 cells give null. A positive
    radius buffers the polygon first, and where a buffer puts its vertices is not documented: refused. The
    page does not document the order of the array: the engine gives H3's."""
    if polygon(text) is None or not 0 <= resolution <= 15 or not (math.isfinite(radius) and radius >= 0):
        return None
    if radius > 0:
        raise _refuse("geo_polygon_to_h3cells", "where the buffer of a positive radius places its vertices")
    shape = _load(text)
    parts = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
    area = float(spherely.area(polygon(text)))
    if area / h3.average_hexagon_area(resolution, unit="m^2") > 2 * MAX_H3_CELLS:
        return None  # far more cells than the limit
    cells: dict[str, None] = {}  # a MultiPolygon's parts may share cells; each comes once
    for part in parts:
        rings = [[(p[1], p[0]) for p in ring[:-1]] for ring in part]
        cells.update(dict.fromkeys(h3.polygon_to_cells(h3.LatLngPoly(*rings), resolution)))
        if len(cells) > MAX_H3_CELLS:
            return None
    return _dump(list(cells))


# --- densification ------------------------------------------------------------------------------------

# Sample points along each planar edge; the gap between a planar edge and its geodesic is smooth in the
# position along the edge, so its largest sampled value is within a small fraction of the true largest.
_SAMPLES = 64


def _planar_gap(a: list[float], b: list[float]) -> float:
    """The largest distance in meters from the straight edge a-b in (longitude, latitude) coordinates (the
    GeoJSON edge) to the geodesic edge between the same vertices."""
    va, vb = _unit_vector(a), _unit_vector(b)
    gap = 0.0
    for i in range(1, _SAMPLES):
        t = i / _SAMPLES
        p = _unit_vector([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t])
        gap = max(gap, _angle_to_edge(p, va, vb) * _EARTH_RADIUS_METERS)
    return gap


def _unchanged_or_refused(function: str, rings: list[list[list[float]]], tolerance: float) -> None:
    worst = max((_planar_gap(a, b) for ring in rings for a, b in itertools.pairwise(ring)), default=0.0)
    # Half the tolerance: well clear of the bound, where the sampling cannot decide otherwise.
    if worst > tolerance / 2:
        raise RefusedShape(
            f"{function}() of an edge that needs points added (where Kusto adds them is not documented)"
        )


def line_densify(text: str, tolerance: float) -> str | None:
    """geo-line-densify-function: a line whose planar edges are all within the tolerance of its geodesics
    is returned as it is; invalid line or tolerance gives null."""
    lines = _line(text)
    if lines is None or not _tolerance_valid(tolerance):
        return None
    _unchanged_or_refused("geo_line_densify", lines, tolerance)
    shape = _load(text)
    return _dump({"type": shape["type"], "coordinates": shape["coordinates"]})


def polygon_densify(text: str, tolerance: float) -> str | None:
    """geo-polygon-densify-function: as geo_line_densify(), over every ring of the (multi)polygon."""
    if polygon(text) is None or not _tolerance_valid(tolerance):
        return None
    shape = _load(text)
    parts = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
    rings = [ring for part in parts for ring in part]
    _unchanged_or_refused("geo_polygon_densify", rings, tolerance)
    return _dump({"type": shape["type"], "coordinates": shape["coordinates"]})


_T, _D, _L = "VARCHAR", "DOUBLE", "BIGINT"

PYTHON_FUNCTIONS: list[tuple[str, Any, list[str], str]] = [
    ("kql_geo_intersection_2lines", intersection_2lines, [_T, _T], _T),
    ("kql_geo_intersection_2polygons", intersection_2polygons, [_T, _T], _T),
    ("kql_geo_intersection_line_with_polygon", intersection_line_with_polygon, [_T, _T], _T),
    ("kql_geo_union_polygons_array", union_polygons_array, [_T], _T),
    ("kql_geo_line_centroid", line_centroid, [_T], _T),
    ("kql_geo_union_lines_array", union_lines_array, [_T], _T),
    ("kql_geo_line_buffer", line_buffer, [_T, _D, _D], _T),
    ("kql_geo_polygon_buffer", polygon_buffer, [_T, _D, _D], _T),
    ("kql_geo_point_buffer", point_buffer, [_D, _D, _D, _D], _T),
    ("kql_geo_polygon_simplify", polygon_simplify, [_T, _D], _T),
    ("kql_geo_line_simplify", line_simplify, [_T, _D], _T),
    ("kql_geo_simplify_polygons_array", simplify_polygons_array, [_T, _D], _T),
    ("kql_geo_polygon_to_h3cells", polygon_to_h3cells, [_T, _L, _D], _T),
    ("kql_geo_line_densify", line_densify, [_T, _D], _T),
    ("kql_geo_polygon_densify", polygon_densify, [_T, _D], _T),
]


# --- translation --------------------------------------------------------------------------------------

# Argument kinds: "shape" (a dynamic GeoJSON value or array), "number" (a real), "flag" (a bool the result
# does not depend on), each with its default when the call leaves it out (None: required).
_Spec = list[tuple[str, str | None]]


def _translator(udf: str, spec: _Spec) -> Any:
    required = sum(1 for _, default in spec if default is None)

    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = arity(ctx, call, required, len(spec))
        sql_args: list[str] = []
        for (kind, default), arg in itertools.zip_longest(spec, args):
            if arg is None:
                if kind != "flag":
                    sql_args.append(str(default))
                continue
            if kind == "shape":
                if arg.type != "dynamic":
                    raise ctx.unsupported(f"{call.name}() of a {arg.type} value")
                sql_args.append(f"CAST({arg} AS VARCHAR)")
            elif kind == "number":
                if arg.type not in NUMERIC_TYPES:
                    raise ctx.unsupported(f"{call.name}() of a {arg.type} value")
                sql_args.append(str(as_real(arg)))
            elif arg.type != "bool":
                raise ctx.unsupported(f"{call.name}() of a {arg.type} flag")
        return Sql(f"CAST({fn(udf, *sql_args)} AS JSON)", "dynamic")

    return translate


_SHAPE, _NUMBER = ("shape", None), ("number", None)
_TOLERANCE = ("number", "10.0")  # every page's default tolerance: 10 meters
_FLAG = ("flag", "false")

_TRANSLATED: list[tuple[str, str, _Spec]] = [
    ("geo_intersection_2lines", "kql_geo_intersection_2lines", [_SHAPE, _SHAPE]),
    ("geo_intersection_2polygons", "kql_geo_intersection_2polygons", [_SHAPE, _SHAPE]),
    ("geo_intersection_line_with_polygon", "kql_geo_intersection_line_with_polygon", [_SHAPE, _SHAPE]),
    ("geo_union_polygons_array", "kql_geo_union_polygons_array", [_SHAPE]),
    ("geo_line_centroid", "kql_geo_line_centroid", [_SHAPE]),
    ("geo_union_lines_array", "kql_geo_union_lines_array", [_SHAPE]),
    ("geo_line_buffer", "kql_geo_line_buffer", [_SHAPE, _NUMBER, _TOLERANCE]),
    ("geo_polygon_buffer", "kql_geo_polygon_buffer", [_SHAPE, _NUMBER, _TOLERANCE]),
    ("geo_point_buffer", "kql_geo_point_buffer", [_NUMBER, _NUMBER, _NUMBER, _TOLERANCE]),
    ("geo_polygon_simplify", "kql_geo_polygon_simplify", [_SHAPE, _TOLERANCE]),
    ("geo_line_simplify", "kql_geo_line_simplify", [_SHAPE, _TOLERANCE]),
    ("geo_simplify_polygons_array", "kql_geo_simplify_polygons_array", [_SHAPE, _TOLERANCE]),
    ("geo_line_densify", "kql_geo_line_densify", [_SHAPE, _TOLERANCE, _FLAG]),
    ("geo_polygon_densify", "kql_geo_polygon_densify", [_SHAPE, _TOLERANCE, _FLAG]),
]

for _name, _udf, _spec in _TRANSLATED:
    scalar(_name)(_translator(_udf, _spec))


@scalar("geo_polygon_to_h3cells")
def geo_polygon_to_h3cells(ctx: TranslationContext, call: Call) -> Sql:
    polygon_arg, *rest = arity(ctx, call, 1, 3)
    if polygon_arg.type != "dynamic":
        raise ctx.unsupported(f"geo_polygon_to_h3cells() of a {polygon_arg.type} value")
    if rest and rest[0].type not in ("int", "long"):
        raise ctx.unsupported(f"geo_polygon_to_h3cells() of a {rest[0].type} resolution")
    if len(rest) > 1 and rest[1].type not in NUMERIC_TYPES:
        raise ctx.unsupported(f"geo_polygon_to_h3cells() of a {rest[1].type} radius")
    # geo-polygon-to-h3cells-function: the resolution defaults to 6, the radius to 0.
    level = str(rest[0]) if rest else "6"
    radius = str(as_real(rest[1])) if len(rest) > 1 else "0.0"
    text = fn(
        "kql_geo_polygon_to_h3cells",
        f"CAST({polygon_arg} AS VARCHAR)",
        f"CAST({level} AS BIGINT)",
        f"CAST({radius} AS DOUBLE)",
    )
    return Sql(f"CAST({text} AS JSON)", "dynamic")
