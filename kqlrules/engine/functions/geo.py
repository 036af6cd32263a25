"""The geospatial functions that need no cell index: distances on Kusto's spherical Earth.

Kusto measures on a sphere of radius 6,371,010 m (S2's Earth radius): the reference's
geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056) = 1546754.35197381 m is the great-circle
distance on that sphere. Coordinates out of range (longitude -180..180, latitude -90..90) give null.
"""

from __future__ import annotations

from kqlrules.engine.errors import refusal_sql
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import NUMERIC_TYPES, arity, as_real
from kqlrules.engine.sql import Sql, quote_string

EARTH_RADIUS_METERS = 6_371_010.0


def _valid(longitude: Sql, latitude: Sql) -> str:
    return f"({longitude} BETWEEN -180 AND 180 AND {latitude} BETWEEN -90 AND 90)"


def _distance(lon1: Sql, lat1: Sql, lon2: Sql, lat2: Sql) -> str:
    """Great-circle distance by the haversine formula."""
    half_lat = f"sin(radians({lat2} - {lat1}) / 2)"
    half_lon = f"sin(radians({lon2} - {lon1}) / 2)"
    a = f"({half_lat} * {half_lat} + cos(radians({lat1})) * cos(radians({lat2})) * {half_lon} * {half_lon})"
    return f"(2 * {EARTH_RADIUS_METERS} * asin(least(sqrt({a}), 1.0)))"


def _coordinates(ctx: TranslationContext, call: Call, args: list[Sql]) -> list[Sql]:
    for arg in args:
        if arg.type not in NUMERIC_TYPES:
            raise ctx.unsupported(f"{call.name}() of a {arg.type} value")
    return [as_real(a) for a in args]


@scalar("geo_distance_2points")
def geo_distance_2points(ctx: TranslationContext, call: Call) -> Sql:
    lon1, lat1, lon2, lat2 = _coordinates(ctx, call, arity(ctx, call, 4))
    valid = f"{_valid(lon1, lat1)} AND {_valid(lon2, lat2)}"
    return Sql(f"(CASE WHEN {valid} THEN {_distance(lon1, lat1, lon2, lat2)} END)", "real")


@scalar("geo_point_in_circle")
def geo_point_in_circle(ctx: TranslationContext, call: Call) -> Sql:
    lon, lat, center_lon, center_lat, radius = _coordinates(ctx, call, arity(ctx, call, 5))
    valid = f"{_valid(lon, lat)} AND {_valid(center_lon, center_lat)} AND {radius} > 0"
    inside = f"{_distance(lon, lat, center_lon, center_lat)} <= {radius}"
    return Sql(f"(CASE WHEN {valid} THEN {inside} END)", "bool")


def _bearing(lon1: Sql, lat1: Sql, lon2: Sql, lat2: Sql) -> str:
    """The initial great-circle bearing from the first point to the second, in radians (-π..π)."""
    y = f"(sin(radians({lon2} - {lon1})) * cos(radians({lat2})))"
    x = (
        f"(cos(radians({lat1})) * sin(radians({lat2})) - "
        f"sin(radians({lat1})) * cos(radians({lat2})) * cos(radians({lon2} - {lon1})))"
    )
    return f"atan2({y}, {x})"


def _turn(angle: str) -> str:
    """An angle in radians brought into 0..2π."""
    return f"(({angle}) - floor(({angle}) / (2 * pi())) * 2 * pi())"


def _same(lon1: Sql, lat1: Sql, lon2: Sql, lat2: Sql) -> str:
    return f"({lon1} = {lon2} AND {lat1} = {lat2})"


@scalar("geo_azimuth")
def geo_azimuth(ctx: TranslationContext, call: Call) -> Sql:
    """The clockwise angle in radians, from 0 to 2π, between true north and the way to the second point."""
    lon1, lat1, lon2, lat2 = _coordinates(ctx, call, arity(ctx, call, 4))
    angle = _turn(_bearing(lon1, lat1, lon2, lat2))
    valid = f"{_valid(lon1, lat1)} AND {_valid(lon2, lat2)} AND NOT {_same(lon1, lat1, lon2, lat2)}"
    return Sql(f"(CASE WHEN {valid} THEN {angle} END)", "real")


@scalar("geo_angle")
def geo_angle(ctx: TranslationContext, call: Call) -> Sql:
    """The clockwise angle in radians at the second point, from the way to the first to the way to the third
    (the reference: geo_angle(0, 10, 0, 5, 3, -10) is 2.94493843406882)."""
    lon1, lat1, lon2, lat2, lon3, lat3 = _coordinates(ctx, call, arity(ctx, call, 6))
    angle = _turn(f"{_bearing(lon2, lat2, lon3, lat3)} - {_bearing(lon2, lat2, lon1, lat1)}")
    valid = (
        f"{_valid(lon1, lat1)} AND {_valid(lon2, lat2)} AND {_valid(lon3, lat3)} "
        f"AND NOT {_same(lon1, lat1, lon2, lat2)} AND NOT {_same(lon3, lat3, lon2, lat2)}"
    )
    return Sql(f"(CASE WHEN {valid} THEN {angle} END)", "real")


@scalar("geo_line_length")
def geo_line_length(ctx: TranslationContext, call: Call) -> Sql:
    """The length in meters of a GeoJSON LineString or MultiLineString: the sum of its great-circle edges."""
    (line,) = arity(ctx, call, 1)
    if line.type != "dynamic":
        raise ctx.unsupported(f"geo_line_length() of a {line.type} value")
    return Sql(f"kql_geo_line_length(CAST({line} AS VARCHAR))", "real")


@scalar("geo_distance_point_to_line")
def geo_distance_point_to_line(ctx: TranslationContext, call: Call) -> Sql:
    """The shortest distance in meters from a point to a GeoJSON (Multi)LineString of great-circle edges."""
    lon, lat, line = arity(ctx, call, 3)
    longitude, latitude = _coordinates(ctx, call, [lon, lat])
    if line.type != "dynamic":
        raise ctx.unsupported(f"geo_distance_point_to_line() of a {line.type} line")
    return Sql(f"kql_geo_distance_point_to_line({longitude}, {latitude}, CAST({line} AS VARCHAR))", "real")


@scalar("geo_line_interpolate_point")
def geo_line_interpolate_point(ctx: TranslationContext, call: Call) -> Sql:
    line, fraction = arity(ctx, call, 2)
    (share,) = _coordinates(ctx, call, [fraction])
    return Sql(f"CAST(kql_geo_line_interpolate_point(CAST({line} AS VARCHAR), {share}) AS JSON)", "dynamic")


@scalar("geo_line_locate_point")
def geo_line_locate_point(ctx: TranslationContext, call: Call) -> Sql:
    line, lon, lat = arity(ctx, call, 3)
    longitude, latitude = _coordinates(ctx, call, [lon, lat])
    return Sql(f"kql_geo_line_locate_point(CAST({line} AS VARCHAR), {longitude}, {latitude})", "real")


@scalar("geo_closest_point_on_line")
def geo_closest_point_on_line(ctx: TranslationContext, call: Call) -> Sql:
    lon, lat, line = arity(ctx, call, 3)
    longitude, latitude = _coordinates(ctx, call, [lon, lat])
    text = f"kql_geo_closest_point_on_line({longitude}, {latitude}, CAST({line} AS VARCHAR))"
    return Sql(f"CAST({text} AS JSON)", "dynamic")


@scalar("geo_intersects_2lines")
def geo_intersects_2lines(ctx: TranslationContext, call: Call) -> Sql:
    first, second = arity(ctx, call, 2)
    return Sql(f"kql_geo_intersects_2lines(CAST({first} AS VARCHAR), CAST({second} AS VARCHAR))", "bool")


@scalar("geo_info_from_ip_address")
def geo_info_from_ip_address(ctx: TranslationContext, call: Call) -> Sql:
    """The location of an IP address comes from Microsoft's IP geolocation database, which is not available
    locally: the plan runs, and a row that needs the value stops the query with a refusal."""
    arity(ctx, call, 1)
    reason = quote_string("geo_info_from_ip_address() over rows (Kusto's IP geolocation data is not local)")
    return Sql(f"CAST({refusal_sql(reason)} AS JSON)", "dynamic")
