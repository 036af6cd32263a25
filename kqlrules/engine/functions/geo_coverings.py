"""geo_polygon_to_s2cells() and geo_line_to_s2cells(): the S2 cells of one level that cover a shape.

The reference (learn.microsoft.com/kusto/query/geo-polygon-to-s2cells-function, geo-line-to-s2cells-function):
the result is the array of S2 cell tokens, all of the requested level (0 to 30, default 11), that cover the
shape (with a radius, also every point within it of the shape); edges are geodesics; more than 65,536 cells,
an invalid shape, level or radius give null.

The engine's covering is the cells of the level that meet the shape, their boundaries included (a cell
that only touches the shape is kept, as S2's coverer does and the page's example shows), or that come
within the radius of it. A cell within a rounding of the shape without touching it, or at the radius to
within a rounding, is refused rather than guessed. The tokens come in S2 cell id order, the order of a
normalized S2 cell union, which is what S2's coverer returns.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import deque
from typing import Any

import s2sphere
import spherely

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.dynamic_runtime import _EARTH_RADIUS_METERS, _angle, _unit_vector
from kqlrules.engine.functions.geo_operations import _geography_of_lines, _line, _load
from kqlrules.engine.functions.geo_shapes import polygon
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import NUMERIC_TYPES, arity, as_real, fn
from kqlrules.engine.sql import Sql

MAX_CELLS = 65_536
# S2's bounds on a cell of level k (s2metrics): its area is at most 2.6358 / 4**k steradians and its
# diagonal at most 2.4387 / 2**k radians; they tell when a shape needs more cells than the limit.
_MAX_AREA_DERIV = 2.635799256963161
_MAX_DIAG_DERIV = 2.438654594434021
# How far the engine moves a cell's vertices in and out (a fraction of the way to its centre) to tell a
# cell that meets the shape from one that only touches it.
_NUDGE = 1e-7
_ROUNDING_METERS = 1e-6


class RefusedCovering(RefusedAtRunTime):
    """A cell whose membership in the covering the reference does not settle."""


def _unit(point: s2sphere.Point) -> tuple[float, float, float]:
    return (point[0], point[1], point[2])


def _lon_lat(v: tuple[float, ...]) -> tuple[float, float]:
    return (math.degrees(math.atan2(v[1], v[0])), math.degrees(math.atan2(v[2], math.hypot(v[0], v[1]))))


def _cell_shape(cell: s2sphere.Cell, toward_centre: float) -> Any:
    centre = _unit(cell.get_center())
    vertices = []
    for k in range(4):
        v = _unit(cell.get_vertex(k))
        moved = tuple(a + (c - a) * toward_centre for a, c in zip(v, centre, strict=True))
        size = math.sqrt(sum(x * x for x in moved))
        vertices.append(_lon_lat(tuple(x / size for x in moved)))
    return spherely.create_polygon(vertices)


def _meets(shape: Any, cell: s2sphere.Cell, radius: float, function: str) -> bool:
    if radius > 0:
        distance = float(spherely.distance(shape, _cell_shape(cell, 0.0)))
        margin = radius * 1e-9 + _ROUNDING_METERS
        if abs(distance - radius) <= margin:
            raise RefusedCovering(
                f"{function}() of a shape with a cell at exactly the radius (not documented)"
            )
        return distance < radius
    if spherely.intersects(shape, _cell_shape(cell, _NUDGE)):
        return True
    if not spherely.intersects(shape, _cell_shape(cell, -_NUDGE)):
        return False
    # The cell's boundary meets the shape's: S2's coverer keeps such a cell (its intersection test is
    # conservative), as the reference's example shows (286 level-5 cells, 20 of them touching along the
    # polygon's edge on the 0 meridian, which is a cell boundary). A cell merely near it is not settled.
    if float(spherely.distance(shape, _cell_shape(cell, 0.0))) <= _ROUNDING_METERS:
        return True
    raise RefusedCovering(f"{function}() of a shape within a rounding of a cell (not documented)")


def _neighbours(cell: s2sphere.CellId, level: int) -> list[s2sphere.CellId]:
    if level == 0:
        return list(cell.get_edge_neighbors())
    return list(cell.get_all_neighbors(level))


def _covering(shape: Any, seeds: list[list[float]], level: int, radius: float, function: str) -> str | None:
    start = {
        s2sphere.CellId.from_lat_lng(s2sphere.LatLng.from_degrees(p[1], p[0])).parent(level) for p in seeds
    }
    queue = deque(start)
    seen = set(start)
    cells: list[s2sphere.CellId] = []
    while queue:
        cell = queue.popleft()
        if not _meets(shape, s2sphere.Cell(cell), radius, function):
            continue
        cells.append(cell)
        if len(cells) > MAX_CELLS:
            return None
        for neighbour in _neighbours(cell, level):
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return json.dumps([str(c.to_token()) for c in sorted(cells, key=lambda c: c.id())])


def _valid_level_and_radius(level: int, radius: float) -> bool:
    return 0 <= level <= 30 and math.isfinite(radius) and radius >= 0


def polygon_to_s2cells(text: str, level: int, radius: float) -> str | None:
    shape = polygon(text)
    if shape is None or not _valid_level_and_radius(level, radius):
        return None
    area = float(spherely.area(shape)) / _EARTH_RADIUS_METERS**2
    if area / (_MAX_AREA_DERIV / 4**level) > MAX_CELLS:
        return None  # more cells than the limit, whatever their shape
    data = _load(text)
    parts = [data["coordinates"]] if data["type"] == "Polygon" else data["coordinates"]
    seeds = [p for part in parts for p in part[0]]
    return _covering(shape, seeds, level, radius, "geo_polygon_to_s2cells")


def line_to_s2cells(text: str, level: int, radius: float) -> str | None:
    lines = _line(text)
    if lines is None or not _valid_level_and_radius(level, radius):
        return None
    length = sum(
        _angle(_unit_vector(a), _unit_vector(b)) for line in lines for a, b in itertools.pairwise(line)
    )
    if length / (_MAX_DIAG_DERIV / 2**level) > MAX_CELLS:
        return None
    seeds = [p for line in lines for p in line]
    return _covering(_geography_of_lines(lines), seeds, level, radius, "geo_line_to_s2cells")


PYTHON_FUNCTIONS: list[tuple[str, Any, list[str], str]] = [
    ("kql_geo_polygon_to_s2cells", polygon_to_s2cells, ["VARCHAR", "BIGINT", "DOUBLE"], "VARCHAR"),
    ("kql_geo_line_to_s2cells", line_to_s2cells, ["VARCHAR", "BIGINT", "DOUBLE"], "VARCHAR"),
]


def _to_cells(udf: str) -> Any:
    def translate(ctx: TranslationContext, call: Call) -> Sql:
        shape, *rest = arity(ctx, call, 1, 3)
        if shape.type != "dynamic":
            raise ctx.unsupported(f"{call.name}() of a {shape.type} value")
        if rest and rest[0].type not in ("int", "long"):
            raise ctx.unsupported(f"{call.name}() of a {rest[0].type} level")
        if len(rest) > 1 and rest[1].type not in NUMERIC_TYPES:
            raise ctx.unsupported(f"{call.name}() of a {rest[1].type} radius")
        # Both pages: the level defaults to 11, the radius to 0.
        level = str(rest[0]) if rest else "11"
        radius = str(as_real(rest[1])) if len(rest) > 1 else "0.0"
        text = fn(udf, f"CAST({shape} AS VARCHAR)", f"CAST({level} AS BIGINT)", f"CAST({radius} AS DOUBLE)")
        return Sql(f"CAST({text} AS JSON)", "dynamic")

    return translate


scalar("geo_polygon_to_s2cells")(_to_cells("kql_geo_polygon_to_s2cells"))
scalar("geo_line_to_s2cells")(_to_cells("kql_geo_line_to_s2cells"))
