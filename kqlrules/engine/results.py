"""DuckDB rows -> `kqlrules.table.Table` with Kusto values (aware UTC datetimes, timedeltas, parsed JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from kqlrules.table import Column, Table


def _datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _timespan(value: Any) -> Any:
    return None if value is None else timedelta(microseconds=int(value) / 10)


def _dynamic(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _string(value: Any) -> Any:
    return "" if value is None else value


def _real(value: Any) -> Any:
    return None if value is None else float(value)


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime,
    "timespan": _timespan,
    "dynamic": _dynamic,
    "string": _string,
    "real": _real,
    "decimal": _real,
    "bool": _bool,
}


def to_table(columns: list[Column], rows: Sequence[Sequence[Any]]) -> Table:
    converters = [_CONVERTERS.get(c.type) for c in columns]
    out: list[list[Any]] = []
    for row in rows:
        out.append([conv(v) if conv else v for conv, v in zip(converters, row, strict=False)])
    return Table(list(columns), out)
