"""DuckDB rows -> `kqlrules.table.Table` with Kusto values (aware UTC datetimes, timedeltas, parsed JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kqlrules.datetimes import from_unix_ticks_column
from kqlrules.engine.errors import DATETIME_OUT_OF_RANGE, UnsupportedKql
from kqlrules.table import Column, Table
from kqlrules.timespan import from_ticks


def _datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _timespan(value: Any) -> Any:
    # Ticks (100 ns), exact: a duration finer than a microsecond keeps its last tick (`TickTimedelta`).
    return None if value is None else from_ticks(int(value))


def _dynamic(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _real(value: Any) -> Any:
    return None if value is None else float(value)


def _decimal(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite() and Decimal(float(value)) != value:
        # An exact decimal (parse_version's) that a float cannot hold: rounded, it would be a wrong answer.
        if value == value.to_integral_value():
            return int(value)
        raise UnsupportedKql("a decimal with more digits than a real holds, in the result")
    return _real(value)


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime,
    "timespan": _timespan,
    "dynamic": _dynamic,
    "real": _real,
    "decimal": _decimal,
    "bool": _bool,
}


def to_table(columns: list[Column], rows: Sequence[Sequence[Any]]) -> Table:
    """Column by column: only the columns whose DuckDB values are not already Kusto's are converted."""
    if not rows:
        return Table(list(columns), [])
    values = [list(column) for column in zip(*rows, strict=True)]
    for index, column in enumerate(columns[: len(values)]):
        if column.type == "datetime":
            # The engine reads datetimes out as 100-ns ticks from 1970 (LocalEngine._ticks_out).
            try:
                values[index] = from_unix_ticks_column(values[index])
            except OverflowError:
                raise UnsupportedKql(DATETIME_OUT_OF_RANGE) from None
        elif column.type == "string":
            if None in values[index]:  # rare: DuckDB strings are mostly coalesced already
                values[index] = ["" if v is None else v for v in values[index]]
        elif column.type in _CONVERTERS:
            convert = _CONVERTERS[column.type]
            values[index] = [convert(v) for v in values[index]]
    return Table(list(columns), [list(row) for row in zip(*values, strict=True)])
