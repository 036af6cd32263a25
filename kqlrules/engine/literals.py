"""Kusto literals as DuckDB SQL (values come from the analyzer, which parses every literal form)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kqlrules.datetimes import tick_of, unix_ticks
from kqlrules.engine.errors import DATETIME_OUTSIDE_ENGINE, refusal_sql
from kqlrules.engine.sql import Sql, quote_string
from kqlrules.engine.types import DUCKDB_TYPES, MAX_UNIX_TICKS, MIN_UNIX_TICKS


def null_of(kusto_type: str) -> Sql:
    if kusto_type == "string":
        return Sql("''", "string", True, "")
    return Sql(f"CAST(NULL AS {DUCKDB_TYPES.get(kusto_type, 'VARCHAR')})", kusto_type, True, None)


def string(value: str) -> Sql:
    return Sql(quote_string(value), "string", True, value)


def long(value: int, kusto_type: str = "long") -> Sql:
    return Sql(f"CAST({value} AS {DUCKDB_TYPES[kusto_type]})", kusto_type, True, value)


def real(value: float) -> Sql:
    if value != value:
        return Sql("CAST('nan' AS DOUBLE)", "real", True, value)
    if value in (float("inf"), float("-inf")):
        return Sql(f"CAST('{'-' if value < 0 else ''}inf' AS DOUBLE)", "real", True, value)
    return Sql(f"CAST({value!r} AS DOUBLE)", "real", True, value)


def boolean(value: bool) -> Sql:
    return Sql("TRUE" if value else "FALSE", "bool", True, value)


def timestamp(value: datetime) -> Sql:
    """A datetime constant, exact to the tick; one outside the span TIMESTAMP_NS holds is refused when the
    query reaches it (kqlrules.engine.types)."""
    naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    ticks = unix_ticks(naive)
    if not MIN_UNIX_TICKS <= ticks <= MAX_UNIX_TICKS:
        refused = f"CAST({refusal_sql(quote_string(DATETIME_OUTSIDE_ENGINE))} AS TIMESTAMP_NS)"
        return Sql(refused, "datetime", True, naive)
    text = naive.strftime("%Y-%m-%d %H:%M:%S") + f".{naive.microsecond * 10 + tick_of(naive):07d}"
    return Sql(f"TIMESTAMP_NS '{text}'", "datetime", True, naive)


def ticks(value: int) -> Sql:
    return Sql(f"CAST({value} AS BIGINT)", "timespan", True, value)


def dynamic(value: Any) -> Sql:
    if value is None:
        return null_of("dynamic")
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return Sql(f"CAST({quote_string(text)} AS JSON)", "dynamic", True, value)


def from_analyzer(kind: str, value: Any, kusto_type: str) -> Sql:
    """A literal node's value as exported by tree.js."""
    if value is None:
        return null_of("string" if kind == "StringLiteralExpression" else kusto_type)
    if kind in ("StringLiteralExpression", "CompoundStringLiteralExpression"):
        return string(str(value))
    if kind in ("LongLiteralExpression", "IntLiteralExpression"):
        return long(int(value), "int" if kusto_type == "int" else "long")
    if kind in ("RealLiteralExpression", "DecimalLiteralExpression"):
        return Sql(
            real(float(value)).text, kusto_type if kusto_type != "unknown" else "real", True, float(value)
        )
    if kind == "BooleanLiteralExpression":
        return boolean(value is True or str(value).lower() == "true")
    if kind == "DateTimeLiteralExpression":
        return timestamp(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    if kind == "TimespanLiteralExpression":
        return ticks(int(value))
    if kind == "GuidLiteralExpression":
        text = str(value).lower()
        return Sql(quote_string(text), "guid", True, text)
    if kind == "DynamicExpression":
        return dynamic(json.loads(value) if isinstance(value, str) else value)
    raise ValueError(kind)
