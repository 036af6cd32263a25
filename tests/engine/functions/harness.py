"""Literal arguments, a translation context and Python conversions for testing translators directly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from kqlrules.datetimes import from_unix_ticks
from kqlrules.engine import literals
from kqlrules.engine.sql import Sql, quote_string
from kqlrules.timespan import from_ticks

NOW = datetime(2024, 5, 6, 7, 8, 9)


class Unsupported(Exception):
    pass


class KustoError(Exception):
    pass


class Context:
    """The translation context protocol, with a fixed `now()`."""

    @property
    def now(self) -> Sql:
        return Sql(f"TIMESTAMP '{NOW.isoformat(sep=' ')}'", "datetime")

    def unsupported(self, what: str) -> Exception:
        return Unsupported(what)

    def error(self, message: str) -> Exception:
        return KustoError(message)


def lit(value: Any, kusto_type: str | None = None) -> Sql:
    """A literal argument: Python value -> typed Sql, the way the engine translates KQL literals."""
    kind = kusto_type or _infer(value)
    if value is None:
        text = "''" if kind == "string" else f"CAST(NULL AS {_duck(kind)})"
    elif kind == "string" or kind == "guid":
        text = quote_string(value)
    elif kind == "bool":
        text = "TRUE" if value else "FALSE"
    elif kind in ("long", "int"):
        text = f"CAST({value} AS {_duck(kind)})"
    elif kind == "real":
        text = f"CAST('{value!r}' AS DOUBLE)"
    elif kind == "datetime":
        text = literals.timestamp(value).text
    elif kind == "timespan":
        ticks = value if isinstance(value, int) else round(value / timedelta(microseconds=1)) * 10
        text = f"CAST({ticks} AS BIGINT)"
        value = ticks
    elif kind == "dynamic":
        text = f"CAST({quote_string(json.dumps(value))} AS JSON)"
    else:
        raise ValueError(kind)
    return Sql(text, kind, constant=True, value=value)


def _infer(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, timedelta):
        return "timespan"
    return "dynamic"


def _duck(kind: str) -> str:
    from kqlrules.engine.types import DUCKDB_TYPES

    return DUCKDB_TYPES[kind]


def readable(translated: Sql) -> str:
    """The SQL to fetch: a datetime as ticks (DuckDB hands Python a TIMESTAMP_NS cut to the microsecond)."""
    return f"kql_ticks({translated.text})" if translated.type == "datetime" else translated.text


def as_python(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "dynamic":
        return json.loads(value)
    if kind == "timespan":
        return from_ticks(int(value))
    if kind == "datetime":
        return from_unix_ticks(value).replace(tzinfo=None)
    return value
