"""Helpers the translated SQL calls: Python functions and SQL macros, registered once per DuckDB connection.

Every name starts with `kql_`. Python functions receive non-null arguments only (DuckDB returns NULL for a
NULL argument without calling them) and return None where Kusto returns null.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import duckdb
from duckdb.func import FunctionNullHandling

from kqlrules.engine.errors import DATETIME_OUT_OF_RANGE, DATETIME_OUTSIDE_ENGINE, RefusedAtRunTime
from kqlrules.engine.functions import (
    distributions,
    dynamic_runtime,
    filters,
    formatting,
    geo_cells,
    geo_coverings,
    geo_matching,
    geo_operations,
    geo_shapes,
    network,
    parsing,
    punycode,
    schemas,
    series,
    series_anomaly,
    series_fit,
    series_fit_poly,
    series_fourier,
    terms,
    textsearch,
    typenames,
    units,
    versions,
    web,
    xxhash,
)
from kqlrules.engine.functions.support import RUNTIME_REFUSAL
from kqlrules.engine.operators.kvtext import parse_kv
from kqlrules.engine.types import MAX_UNIX_TICKS, MIN_UNIX_TICKS
from kqlrules.engine.windows import window_sessions
from kqlrules.timespan import format_dotnet_ticks

_BIGINT = "BIGINT"
_DOUBLE = "DOUBLE"
_TEXT = "VARCHAR"
_BOOL = "BOOLEAN"
_TIME = "TIMESTAMP"
_TICKS = "BIGINT"  # a datetime handed to Python as 100-ns ticks from 1970 (kql_ticks), exact to the tick

# name, function, parameter types, return type
PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_format_real", formatting.format_real, [_DOUBLE], _TEXT),
    ("kql_format_datetime", formatting.format_datetime_iso, [_TICKS], _TEXT),
    ("kql_format_timespan", format_dotnet_ticks, [_BIGINT], _TEXT),
    ("kql_format_datetime_custom", formatting.format_datetime_custom, [_TICKS, _TEXT], _TEXT),
    ("kql_format_timespan_custom", formatting.format_timespan_custom, [_BIGINT, _TEXT], _TEXT),
    ("kql_dynamic_to_string", formatting.dynamic_to_string, [_TEXT], _TEXT),
    ("kql_parse_datetime_ticks", parsing.parse_datetime_ticks, [_TEXT], _TICKS),
    ("kql_parse_timespan", parsing.parse_timespan_ticks, [_TEXT], _BIGINT),
    ("kql_parse_long", parsing.parse_long, [_TEXT], _BIGINT),
    ("kql_text_to_long", parsing.text_to_long, [_TEXT, _BOOL], _BIGINT),
    ("kql_dynamic_to_integer", parsing.dynamic_to_integer, [_TEXT, _BOOL], _BIGINT),
    ("kql_parse_real", parsing.parse_real, [_TEXT], _DOUBLE),
    ("kql_parse_bool", parsing.parse_bool, [_TEXT], _BOOL),
    ("kql_parse_guid", parsing.parse_guid, [_TEXT], _TEXT),
    ("kql_parse_json", parsing.parse_json_text, [_TEXT], _TEXT),
    ("kql_dynamic_to_real", parsing.dynamic_to_real, [_TEXT], _DOUBLE),
    ("kql_dynamic_to_long", parsing.dynamic_to_long, [_TEXT], _BIGINT),
    *network.PYTHON_FUNCTIONS,
    *web.PYTHON_FUNCTIONS,
    *textsearch.PYTHON_FUNCTIONS,
    *terms.PYTHON_FUNCTIONS,
    *dynamic_runtime.PYTHON_FUNCTIONS,
    *series.PYTHON_FUNCTIONS,
    *series_anomaly.PYTHON_FUNCTIONS,
    *geo_cells.PYTHON_FUNCTIONS,
    *geo_shapes.PYTHON_FUNCTIONS,
    *geo_operations.PYTHON_FUNCTIONS,
    *geo_coverings.PYTHON_FUNCTIONS,
    *geo_matching.PYTHON_FUNCTIONS,
    *series_fit.PYTHON_FUNCTIONS,
    *series_fit_poly.PYTHON_FUNCTIONS,
    *series_fourier.PYTHON_FUNCTIONS,
    *xxhash.PYTHON_FUNCTIONS,
    *units.PYTHON_FUNCTIONS,
    *versions.PYTHON_FUNCTIONS,
    *filters.PYTHON_FUNCTIONS,
    *punycode.PYTHON_FUNCTIONS,
    *distributions.PYTHON_FUNCTIONS,
    *schemas.PYTHON_FUNCTIONS,
    *typenames.PYTHON_FUNCTIONS,
    ("kql_parse_kv", parse_kv, [_TEXT, _TEXT], _TEXT),
    ("kql_window_sessions", window_sessions, ["BIGINT[]", "BOOLEAN[]", _BIGINT, _BIGINT], "BIGINT[]"),
]

# Kusto's modulo is never negative: 0 <= N % D < abs(D).
SQL_MACROS = [
    "CREATE OR REPLACE MACRO kql_mod(n, d) AS ((n % abs(d)) + abs(d)) % abs(d)",
    # Integer division rounded down (DuckDB's `//` rounds toward zero), for a positive divisor.
    "CREATE OR REPLACE MACRO kql_floor_div(n, d) AS (n - kql_mod(n, d)) // d",
    # A datetime (TIMESTAMP_NS, or a TIMESTAMP from DuckDB's own date functions) as Kusto's 100-ns ticks,
    # counted from 1970-01-01; and back, refusing an instant TIMESTAMP_NS cannot hold (kqlrules.engine.types).
    "CREATE OR REPLACE MACRO kql_ticks(ts) AS (epoch_ns(CAST(ts AS TIMESTAMP_NS)) // 100)",
    "CREATE OR REPLACE MACRO kql_from_ticks(t) AS (CASE "
    f"WHEN CAST(t AS BIGINT) BETWEEN {MIN_UNIX_TICKS} AND {MAX_UNIX_TICKS} "
    "THEN make_timestamp_ns(CAST(t AS BIGINT) * 100) "
    "WHEN t IS NOT NULL THEN error('" + RUNTIME_REFUSAL + DATETIME_OUTSIDE_ENGINE + "') END)",
    # DuckDB's calendar functions (year(), date_trunc(), strftime() ...) read a TIMESTAMP_NS rounded to the
    # microsecond, which can move 23:59:59.9999999 into the next day: they are given the instant cut down to
    # its microsecond instead, which is in the same second, day, month and year.
    "CREATE OR REPLACE MACRO kql_floor_us(ts) AS make_timestamp(kql_floor_div(kql_ticks(ts), 10))",
    "CREATE OR REPLACE MACRO kql_real_mod(n, d) AS n - abs(d) * floor(n / abs(d))",
    # Nearest-rank percentile of a sorted list: the value at rank ceil(p * N), at least the first.
    "CREATE OR REPLACE MACRO kql_nearest_rank(l, p) AS "
    "CASE WHEN len(l) = 0 THEN NULL ELSE l[greatest(CAST(ceil(p * len(l)) AS BIGINT), 1)] END",
    # A zone's UTC offset at an instant; the zone's wall time for the wall time `ts` read at offset `o`.
    "CREATE OR REPLACE MACRO kql_zone_offset(u, z) AS (timezone(z, u) - timezone('UTC', u))",
    "CREATE OR REPLACE MACRO kql_wall_at_offset(ts, o, z) AS timezone(z, timezone('UTC', ts - o))",
    # A wall time the clock shows twice (set back): another offset, in force a day before or after, gives it.
    "CREATE OR REPLACE MACRO kql_local_is_ambiguous(ts, z) AS ("
    "(kql_zone_offset(timezone(z, ts) - INTERVAL 1 DAY, z) <> kql_zone_offset(timezone(z, ts), z) "
    "AND kql_wall_at_offset(ts, kql_zone_offset(timezone(z, ts) - INTERVAL 1 DAY, z), z) = ts) "
    "OR (kql_zone_offset(timezone(z, ts) + INTERVAL 1 DAY, z) <> kql_zone_offset(timezone(z, ts), z) "
    "AND kql_wall_at_offset(ts, kql_zone_offset(timezone(z, ts) + INTERVAL 1 DAY, z), z) = ts))",
    # Local to UTC. A wall time the clock skips (set forward) takes the offset after the change, as the
    # reference shows (Brussels 02:00 on 2022-03-27 is 00:00 UTC); one it shows twice is not documented.
    "CREATE OR REPLACE MACRO kql_local_to_utc(ts, z) AS (CASE "
    "WHEN timezone(z, timezone(z, ts)) <> ts "
    "THEN timezone('UTC', timezone(z, ts)) - (timezone(z, timezone(z, ts)) - ts) "
    "WHEN kql_local_is_ambiguous(ts, z) THEN error('" + RUNTIME_REFUSAL + "datetime_local_to_utc() of a "
    "local time that occurs twice (the clock set back): which one Kusto takes is not documented') "
    "ELSE timezone('UTC', timezone(z, ts)) END)",
]


def _null_in_null_out(
    function: Callable[..., Any], parameters: list[str] | None = None
) -> Callable[..., Any]:
    times = [i for i, kind in enumerate(parameters or []) if kind == _TIME]

    @functools.wraps(function)
    def call(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        # DuckDB hands a TIMESTAMP outside Python's years 1-9999 (Kusto's datetime range too) as text.
        if any(isinstance(args[i], str) for i in times if i < len(args)):
            raise RefusedAtRunTime(DATETIME_OUT_OF_RANGE)
        return function(*args)

    return call


def _real_as_text(function: Callable[..., Any]) -> Callable[..., Any]:
    """A real-valued helper that answers in text: DuckDB turns a Python UDF's NaN result into NULL, and
    Kusto's NaN is a value, not null (real.md: `real(nan)`); `repr` round-trips every double exactly."""

    @functools.wraps(function)
    def call(*args: Any) -> Any:
        value = function(*args)
        return None if value is None else repr(float(value))

    return call


def register_udfs(connection: duckdb.DuckDBPyConnection) -> None:
    """Make every `kql_*` helper available to SQL run on `connection`."""
    for name, function, parameters, result in PYTHON_FUNCTIONS:
        if result == "DOUBLE":
            # Registered as `<name>__text` and read back as a double by a macro of the helper's own name.
            connection.create_function(
                f"{name}__text",
                _real_as_text(_null_in_null_out(function)),
                list(parameters),
                "VARCHAR",
                null_handling=FunctionNullHandling.SPECIAL,
                side_effects=False,
            )
            names = ", ".join(f"a{i}" for i in range(len(parameters)))
            connection.execute(
                f"CREATE OR REPLACE MACRO {name}({names}) AS CAST({name}__text({names}) AS DOUBLE)"
            )
            continue
        connection.create_function(
            name,
            _null_in_null_out(function, list(parameters)),
            list(parameters),
            result,
            null_handling=FunctionNullHandling.SPECIAL,
            side_effects=False,
        )
    for macro in SQL_MACROS:
        connection.execute(macro)
