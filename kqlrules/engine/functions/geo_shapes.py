"""Polygons and lines on Kusto's sphere, by S2 geometry (`spherely`, bindings of s2geography).

Kusto's geospatial reference (geo-polygon-area-function, geo-point-in-polygon-function ...) states the model:
coordinates are WGS-84 [longitude, latitude]; measurements are on a sphere (S2's radius, 6,371,010 m); edges
are geodesics. A polygon is GeoJSON `Polygon` (a shell then holes) or `MultiPolygon` (the union of its
polygons). A LinearRing has at least 4 entries, the first equal to the last, at least 3 distinct vertices,
no consecutive repeat and no crossing edges; of the two regions a ring divides the sphere into, the smaller
is meant (so its winding does not matter). An invalid shape or coordinate gives null.

- geo_point_in_polygon(lon, lat, polygon): whether the point lies in the polygon (S2's containment).
- geo_distance_point_to_polygon(lon, lat, polygon): meters to the polygon, 0 inside it.
- geo_polygon_area(polygon): square meters; geo_polygon_perimeter(polygon): meters of the boundary (holes
  included) of the union; geo_polygon_centroid(polygon): the area centroid as a GeoJSON Point.
- geo_intersects_2polygons(a, b), geo_intersects_line_with_polygon(line, polygon): whether they meet.
- geo_closest_point_on_polygon(lon, lat, polygon): the point itself when the polygon holds it, else the
  nearest point of its boundary (rings' geodesic edges), as a GeoJSON Point.
- geo_from_wkt(text): the GeoJSON of a WKT Point, LineString, Polygon, their Multi forms or a
  GeometryCollection (2-D only); text that is not such WKT gives null.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import reduce
from typing import Any

import shapely
import shapely.geometry
import spherely

from kqlrules.engine.functions.dynamic_runtime import (
    _angle,
    _line_points,
    _ring,
    _unit_vector,
    geo_closest_point_on_line,
)
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import NUMERIC_TYPES, arity, as_real, fn
from kqlrules.engine.sql import Sql


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _short_edges(ring: list[list[float]]) -> bool:
    """The reference: a LinearRing's edges are shorter than 180 degrees (two antipodal vertices have no one
    shortest edge)."""
    vectors = [_unit_vector(p) for p in ring]
    return all(_angle(a, b) < math.pi - 1e-12 for a, b in itertools.pairwise(vectors))


def _polygon_of(rings: Any) -> Any:
    if not isinstance(rings, list) or not rings:
        return None
    parsed = [_ring(r) for r in rings]
    if any(r is None or not _short_edges(r) for r in parsed):
        return None
    shell, *holes = [[(p[0], p[1]) for p in r[:-1]] for r in parsed if r is not None]
    return spherely.create_polygon(shell, holes or None)


def polygon(text: str) -> Any:
    """The S2 geography of a GeoJSON (Multi)Polygon, or None when it is not a valid one."""
    shape = _load(text)
    if not isinstance(shape, dict):
        return None
    kind, coordinates = shape.get("type"), shape.get("coordinates")
    if kind == "Polygon":
        return _polygon_of(coordinates)
    if kind != "MultiPolygon" or not isinstance(coordinates, list) or not coordinates:
        return None
    parts = [_polygon_of(c) for c in coordinates]
    if any(p is None for p in parts):
        return None
    return reduce(spherely.union, parts)


def line(text: str) -> Any:
    lines = _line_points(text)
    if lines is None:
        return None
    parts = [spherely.create_linestring([(p[0], p[1]) for p in points]) for points in lines]
    return parts[0] if len(parts) == 1 else spherely.create_multilinestring(parts)


def _point(longitude: float, latitude: float) -> Any:
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        return None
    return spherely.create_point(longitude, latitude)


def point_in_polygon(longitude: float, latitude: float, text: str) -> bool | None:
    point, shape = _point(longitude, latitude), polygon(text)
    return None if point is None or shape is None else bool(spherely.contains(shape, point))


def distance_point_to_polygon(longitude: float, latitude: float, text: str) -> float | None:
    point, shape = _point(longitude, latitude), polygon(text)
    return None if point is None or shape is None else float(spherely.distance(shape, point))


def polygon_area(text: str) -> float | None:
    shape = polygon(text)
    return None if shape is None else float(spherely.area(shape))


def polygon_perimeter(text: str) -> float | None:
    shape = polygon(text)
    return None if shape is None else float(spherely.perimeter(shape))


def polygon_centroid(text: str) -> str | None:
    shape = polygon(text)
    if shape is None:
        return None
    center = spherely.centroid(shape)
    point = [float(spherely.get_x(center)), float(spherely.get_y(center))]
    return json.dumps({"type": "Point", "coordinates": point}, separators=(",", ":"))


def intersects_2polygons(first: str, second: str) -> bool | None:
    a, b = polygon(first), polygon(second)
    return None if a is None or b is None else bool(spherely.intersects(a, b))


def intersects_line_with_polygon(line_text: str, polygon_text: str) -> bool | None:
    a, b = line(line_text), polygon(polygon_text)
    return None if a is None or b is None else bool(spherely.intersects(a, b))


def closest_point_on_polygon(longitude: float, latitude: float, text: str) -> str | None:
    point, shape = _point(longitude, latitude), polygon(text)
    if point is None or shape is None:
        return None
    if spherely.contains(shape, point):
        return json.dumps({"type": "Point", "coordinates": [longitude, latitude]}, separators=(",", ":"))
    data = json.loads(text)
    rings = [data["coordinates"]] if data["type"] == "Polygon" else data["coordinates"]
    boundary = {"type": "MultiLineString", "coordinates": [ring for part in rings for ring in part]}
    return geo_closest_point_on_line(longitude, latitude, json.dumps(boundary))


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def from_wkt(text: str) -> str | None:
    try:
        geometry = shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError):
        return None
    if geometry is None or geometry.is_empty or shapely.has_z(geometry):
        return None
    return json.dumps(_lists(shapely.geometry.mapping(geometry)), separators=(",", ":"))


_T, _D, _B = "VARCHAR", "DOUBLE", "BOOLEAN"

PYTHON_FUNCTIONS: list[tuple[str, Any, list[str], str]] = [
    ("kql_geo_point_in_polygon", point_in_polygon, [_D, _D, _T], _B),
    ("kql_geo_distance_point_to_polygon", distance_point_to_polygon, [_D, _D, _T], _D),
    ("kql_geo_polygon_area", polygon_area, [_T], _D),
    ("kql_geo_polygon_perimeter", polygon_perimeter, [_T], _D),
    ("kql_geo_polygon_centroid", polygon_centroid, [_T], _T),
    ("kql_geo_intersects_2polygons", intersects_2polygons, [_T, _T], _B),
    ("kql_geo_intersects_line_with_polygon", intersects_line_with_polygon, [_T, _T], _B),
    ("kql_geo_closest_point_on_polygon", closest_point_on_polygon, [_D, _D, _T], _T),
    ("kql_geo_from_wkt", from_wkt, [_T], _T),
]


def _shape(ctx: TranslationContext, call: Call, arg: Sql) -> str:
    if arg.type != "dynamic":
        raise ctx.unsupported(f"{call.name}() of a {arg.type} shape")
    return f"CAST({arg} AS VARCHAR)"


def _coordinate(ctx: TranslationContext, call: Call, arg: Sql) -> Sql:
    if arg.type not in NUMERIC_TYPES:
        raise ctx.unsupported(f"{call.name}() of a {arg.type} coordinate")
    return as_real(arg)


def _point_and_shape(udf: str, result: str) -> Any:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        lon, lat, shape = arity(ctx, call, 3)
        args = (_coordinate(ctx, call, lon), _coordinate(ctx, call, lat), _shape(ctx, call, shape))
        text = fn(udf, *args)
        return Sql(f"CAST({text} AS JSON)" if result == "dynamic" else text, result)

    return translate


scalar("geo_point_in_polygon")(_point_and_shape("kql_geo_point_in_polygon", "bool"))
scalar("geo_distance_point_to_polygon")(_point_and_shape("kql_geo_distance_point_to_polygon", "real"))
scalar("geo_closest_point_on_polygon")(_point_and_shape("kql_geo_closest_point_on_polygon", "dynamic"))


@scalar("geo_from_wkt")
def geo_from_wkt(ctx: TranslationContext, call: Call) -> Sql:
    (text,) = arity(ctx, call, 1)
    if text.type != "string":
        raise ctx.unsupported(f"geo_from_wkt() of a {text.type} value")
    return Sql(f"CAST({fn('kql_geo_from_wkt', text)} AS JSON)", "dynamic")


def _one_shape(udf: str, result: str) -> Any:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (shape,) = arity(ctx, call, 1)
        text = fn(udf, _shape(ctx, call, shape))
        return Sql(f"CAST({text} AS JSON)" if result == "dynamic" else text, result)

    return translate


scalar("geo_polygon_area")(_one_shape("kql_geo_polygon_area", "real"))
scalar("geo_polygon_perimeter")(_one_shape("kql_geo_polygon_perimeter", "real"))
scalar("geo_polygon_centroid")(_one_shape("kql_geo_polygon_centroid", "dynamic"))


def _two_shapes(udf: str) -> Any:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        first, second = arity(ctx, call, 2)
        return Sql(fn(udf, _shape(ctx, call, first), _shape(ctx, call, second)), "bool")

    return translate


scalar("geo_intersects_2polygons")(_two_shapes("kql_geo_intersects_2polygons"))
scalar("geo_intersects_line_with_polygon")(_two_shapes("kql_geo_intersects_line_with_polygon"))
