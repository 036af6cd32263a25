"""Grid cells of the Earth: geohash, S2 (Google's `s2sphere`) and H3 (Uber's `h3`), as Kusto documents them.

Rules, each from the function's reference page (learn.microsoft.com/kusto/query/<name>-function):
- geo_point_to_geohash(lon, lat[, accuracy=5]): accuracy 1..18; an invalid coordinate or accuracy gives "".
- geo_point_to_s2cell(lon, lat[, level=11]): level 0..30, the cell's token; invalid gives "".
- geo_point_to_h3cell(lon, lat[, resolution=6]): resolution 0..15; invalid gives "".
- *_to_central_point(cell): a GeoJSON Point; *_to_polygon(cell): a GeoJSON Polygon whose ring starts again at
  its first vertex (a geohash's ring is SW, SE, NE, NW; an S2 cell's its vertices 0..3; an H3 cell's boundary
  in H3's order); an invalid cell gives null.
- geo_h3cell_level(cell): the resolution, null when invalid;
  geo_h3cell_parent(cell[, resolution=level-1]): "" when invalid or finer than the cell;
  geo_h3cell_children(cell[, resolution=level+1]): null when invalid,
  coarser than the cell or more than 5 levels below it (the reference's limit).
- geo_h3cell_rings(cell, distance): distance 0..142, the cells of H3's k-ring traversal grouped by grid
  distance (ring 0 is the cell); geo_h3cell_neighbors(cell) is ring 1. Null when invalid.
- geo_s2cell_neighbors / geo_geohash_neighbors: the 8 cells around (fewer at a pole). The reference does not
  say in which order (its examples follow no geometric order): S2's come in the order of S2's own
  AppendAllNeighbors, the geohash's clockwise from north.
Longitudes and latitudes out of [-180, 180] and [-90, 90] are invalid everywhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

import h3
import s2sphere

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions import geohash
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    arity,
    as_long,
    as_real,
    as_string,
    fn,
    long_literal,
    never_null,
)
from kqlrules.engine.sql import Sql

H3_MAX_RESOLUTION = 15
S2_MAX_LEVEL = 30
H3_MAX_RING_DISTANCE = 142
H3_MAX_CHILD_LEVELS = 5
_S2_TOKEN = re.compile(r"[0-9a-fA-F]{1,16}")


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _valid_point(longitude: float, latitude: float) -> bool:
    return -180 <= longitude <= 180 and -90 <= latitude <= 90


def _point(longitude: float, latitude: float) -> str:
    return _dump({"type": "Point", "coordinates": [longitude, latitude]})


def _polygon(ring: list[list[float]]) -> str:
    return _dump({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


# --- geohash ----------------------------------------------------------------------------------------------


def point_to_geohash(longitude: float, latitude: float, accuracy: int) -> str | None:
    return geohash.encode(longitude, latitude, accuracy)


def geohash_to_central_point(text: str) -> str | None:
    box = geohash.bounds(text)
    return None if box is None else _point((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def geohash_to_polygon(text: str) -> str | None:
    box = geohash.bounds(text)
    if box is None:
        return None
    west, south, east, north = box
    return _polygon([[west, south], [east, south], [east, north], [west, north]])


def geohash_neighbors(text: str) -> str | None:
    cells = geohash.neighbors(text)
    return None if cells is None else _dump(cells)


# --- S2 ---------------------------------------------------------------------------------------------------


def _s2_cell(token: str) -> s2sphere.CellId | None:
    if not _S2_TOKEN.fullmatch(token):
        return None
    cell = s2sphere.CellId.from_token(token.lower())
    return cell if cell.is_valid() else None


def _lon_lat(point: s2sphere.Point) -> list[float]:
    lat_lng = s2sphere.LatLng.from_point(point)
    return [lat_lng.lng().degrees, lat_lng.lat().degrees]


def point_to_s2cell(longitude: float, latitude: float, level: int) -> str | None:
    if not _valid_point(longitude, latitude) or not 0 <= level <= S2_MAX_LEVEL:
        return None
    leaf = s2sphere.CellId.from_lat_lng(s2sphere.LatLng.from_degrees(latitude, longitude))
    return str(leaf.parent(level).to_token())


def s2cell_to_central_point(token: str) -> str | None:
    cell = _s2_cell(token)
    return None if cell is None else _point(*_lon_lat(cell.to_point()))


def s2cell_to_polygon(token: str) -> str | None:
    cell = _s2_cell(token)
    if cell is None:
        return None
    square = s2sphere.Cell(cell)
    return _polygon([_lon_lat(square.get_vertex(k)) for k in range(4)])


def s2cell_neighbors(token: str) -> str | None:
    cell = _s2_cell(token)
    if cell is None:
        return None
    if cell.level() == 0:
        return _dump([str(c.to_token()) for c in cell.get_edge_neighbors()])
    return _dump([str(c.to_token()) for c in cell.get_all_neighbors(cell.level())])


# --- H3 ---------------------------------------------------------------------------------------------------


def _h3_cell(token: str) -> str | None:
    try:
        return token.lower() if h3.is_valid_cell(token) else None
    except (ValueError, TypeError):
        return None


def point_to_h3cell(longitude: float, latitude: float, resolution: int) -> str | None:
    if not _valid_point(longitude, latitude) or not 0 <= resolution <= H3_MAX_RESOLUTION:
        return None
    return str(h3.latlng_to_cell(latitude, longitude, resolution))


def h3cell_to_central_point(token: str) -> str | None:
    cell = _h3_cell(token)
    if cell is None:
        return None
    latitude, longitude = h3.cell_to_latlng(cell)
    return _point(longitude, latitude)


def h3cell_to_polygon(token: str) -> str | None:
    cell = _h3_cell(token)
    if cell is None:
        return None
    return _polygon([[longitude, latitude] for latitude, longitude in h3.cell_to_boundary(cell)])


def h3cell_level(token: str) -> int | None:
    cell = _h3_cell(token)
    return None if cell is None else int(h3.get_resolution(cell))


def h3cell_parent(token: str, resolution: int) -> str | None:
    cell = _h3_cell(token)
    if cell is None or not 0 <= resolution <= h3.get_resolution(cell):
        return None
    return str(h3.cell_to_parent(cell, resolution))


def h3cell_children(token: str, resolution: int) -> str | None:
    cell = _h3_cell(token)
    if cell is None:
        return None
    level = h3.get_resolution(cell)
    if not level <= resolution <= H3_MAX_RESOLUTION or resolution - level > H3_MAX_CHILD_LEVELS:
        return None
    return _dump(sorted(h3.cell_to_children(cell, resolution)))


def _rings(cell: str, distance: int) -> list[list[str]]:
    rings: list[list[str]] = [[] for _ in range(distance + 1)]
    for other in h3.grid_disk(cell, distance):
        try:
            rings[h3.grid_distance(cell, other)].append(str(other))
        except h3.H3BaseException:
            # H3 cannot measure some distances across a pentagon's distortion: which ring Kusto puts such a
            # cell in is not documented.
            raise RefusedAtRunTime("geo_h3cell_rings() across a pentagon's distortion") from None
    return rings


def h3cell_rings(token: str, distance: int) -> str | None:
    cell = _h3_cell(token)
    if cell is None or not 0 <= distance <= H3_MAX_RING_DISTANCE:
        return None
    return _dump(_rings(cell, distance))


def h3cell_neighbors(token: str) -> str | None:
    cell = _h3_cell(token)
    return None if cell is None else _dump(_rings(cell, 1)[1])


_T, _D, _L = "VARCHAR", "DOUBLE", "BIGINT"

PYTHON_FUNCTIONS: list[tuple[str, Any, list[str], str]] = [
    ("kql_geo_point_to_geohash", point_to_geohash, [_D, _D, _L], _T),
    ("kql_geo_geohash_to_central_point", geohash_to_central_point, [_T], _T),
    ("kql_geo_geohash_to_polygon", geohash_to_polygon, [_T], _T),
    ("kql_geo_geohash_neighbors", geohash_neighbors, [_T], _T),
    ("kql_geo_point_to_s2cell", point_to_s2cell, [_D, _D, _L], _T),
    ("kql_geo_s2cell_to_central_point", s2cell_to_central_point, [_T], _T),
    ("kql_geo_s2cell_to_polygon", s2cell_to_polygon, [_T], _T),
    ("kql_geo_s2cell_neighbors", s2cell_neighbors, [_T], _T),
    ("kql_geo_point_to_h3cell", point_to_h3cell, [_D, _D, _L], _T),
    ("kql_geo_h3cell_to_central_point", h3cell_to_central_point, [_T], _T),
    ("kql_geo_h3cell_to_polygon", h3cell_to_polygon, [_T], _T),
    ("kql_geo_h3cell_level", h3cell_level, [_T], _L),
    ("kql_geo_h3cell_parent", h3cell_parent, [_T, _L], _T),
    ("kql_geo_h3cell_children", h3cell_children, [_T, _L], _T),
    ("kql_geo_h3cell_rings", h3cell_rings, [_T, _L], _T),
    ("kql_geo_h3cell_neighbors", h3cell_neighbors, [_T], _T),
]


# --- translators ------------------------------------------------------------------------------------------


def _number(ctx: TranslationContext, call: Call, arg: Sql) -> Sql:
    if arg.type not in NUMERIC_TYPES:
        raise ctx.unsupported(f"{call.name}() of a {arg.type} value")
    return as_real(arg)


def _integer(ctx: TranslationContext, call: Call, arg: Sql) -> Sql:
    if arg.type not in INTEGER_TYPES:
        raise ctx.unsupported(f"{call.name}() with a {arg.type} level")
    return as_long(arg)


def _cell(ctx: TranslationContext, call: Call, arg: Sql) -> Sql:
    if arg.type != "string":
        raise ctx.unsupported(f"{call.name}() of a {arg.type} cell")
    return as_string(arg)


def _dynamic(text: str) -> Sql:
    return Sql(f"CAST({text} AS JSON)", "dynamic")


def _point_to_cell(udf: str, default: int) -> Any:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        args = arity(ctx, call, 2, 3)
        longitude, latitude = (_number(ctx, call, a) for a in args[:2])
        level = _integer(ctx, call, args[2]) if len(args) == 3 else long_literal(default)
        return never_null(fn(udf, longitude, latitude, level))

    return translate


scalar("geo_point_to_geohash")(_point_to_cell("kql_geo_point_to_geohash", 5))
scalar("geo_point_to_s2cell")(_point_to_cell("kql_geo_point_to_s2cell", 11))
scalar("geo_point_to_h3cell")(_point_to_cell("kql_geo_point_to_h3cell", 6))


def _cell_to_dynamic(udf: str) -> Any:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        (cell,) = arity(ctx, call, 1)
        return _dynamic(fn(udf, _cell(ctx, call, cell)))

    return translate


for _name in (
    "geo_geohash_to_central_point",
    "geo_geohash_to_polygon",
    "geo_geohash_neighbors",
    "geo_s2cell_to_central_point",
    "geo_s2cell_to_polygon",
    "geo_s2cell_neighbors",
    "geo_h3cell_to_central_point",
    "geo_h3cell_to_polygon",
    "geo_h3cell_neighbors",
):
    scalar(_name)(_cell_to_dynamic(f"kql_{_name}"))


@scalar("geo_h3cell_level")
def geo_h3cell_level(ctx: TranslationContext, call: Call) -> Sql:
    (cell,) = arity(ctx, call, 1)
    return Sql(f"CAST({fn('kql_geo_h3cell_level', _cell(ctx, call, cell))} AS INTEGER)", "int")


def _level_or(ctx: TranslationContext, call: Call, args: list[Sql], cell: Sql, step: int) -> Sql:
    if len(args) == 2:
        return _integer(ctx, call, args[1])
    return Sql(f"({fn('kql_geo_h3cell_level', cell)} + {step})", "long")


@scalar("geo_h3cell_parent")
def geo_h3cell_parent(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    cell = _cell(ctx, call, args[0])
    return never_null(fn("kql_geo_h3cell_parent", cell, _level_or(ctx, call, args, cell, -1)))


@scalar("geo_h3cell_children")
def geo_h3cell_children(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    cell = _cell(ctx, call, args[0])
    return _dynamic(fn("kql_geo_h3cell_children", cell, _level_or(ctx, call, args, cell, 1)))


@scalar("geo_h3cell_rings")
def geo_h3cell_rings(ctx: TranslationContext, call: Call) -> Sql:
    cell, distance = arity(ctx, call, 2)
    return _dynamic(fn("kql_geo_h3cell_rings", _cell(ctx, call, cell), _integer(ctx, call, distance)))
