"""The matching tests of the geo_line_lookup and geo_polygon_lookup plugins (see
`kqlrules.engine.operators.geo_lookup`), as SQL-callable functions.

A location is within a radius of a shape when its distance (geo_distance_point_to_line(),
geo_distance_point_to_polygon()) is below it; a distance equal to the radius, to within a rounding, is
refused: the plugin pages do not say whether the bound is included.
"""

from __future__ import annotations

from typing import Any

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.dynamic_runtime import geo_distance_point_to_line
from kqlrules.engine.functions.geo_shapes import distance_point_to_polygon, point_in_polygon


def _within(distance: float | None, radius: float, plugin_name: str) -> bool | None:
    if distance is None:
        return None
    if abs(distance - radius) <= 1e-9 * max(radius, 1.0):
        raise RefusedAtRunTime(f"{plugin_name} of a location exactly at the radius (not documented)")
    return distance < radius


def line_within(longitude: float, latitude: float, line: str, radius: float) -> bool | None:
    return _within(geo_distance_point_to_line(longitude, latitude, line), radius, "geo_line_lookup")


def polygon_within(longitude: float, latitude: float, shape: str, radius: float) -> bool | None:
    return _within(distance_point_to_polygon(longitude, latitude, shape), radius, "geo_polygon_lookup")


PYTHON_FUNCTIONS: list[tuple[str, Any, list[str], str]] = [
    ("kql_geo_line_lookup_match", line_within, ["DOUBLE", "DOUBLE", "VARCHAR", "DOUBLE"], "BOOLEAN"),
    ("kql_geo_polygon_lookup_match", polygon_within, ["DOUBLE", "DOUBLE", "VARCHAR", "DOUBLE"], "BOOLEAN"),
    ("kql_geo_polygon_lookup_holds", point_in_polygon, ["DOUBLE", "DOUBLE", "VARCHAR"], "BOOLEAN"),
]
