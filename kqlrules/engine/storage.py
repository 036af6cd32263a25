"""Local tables in DuckDB: Python values (Kusto types) in, one DuckDB table per Kusto table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from kqlrules.datetimes import as_utc, format_datetime, from_unix_ticks, tick_of
from kqlrules.engine.errors import DATETIME_OUTSIDE_ENGINE, UnsupportedKql
from kqlrules.engine.sql import case_renames, plain_identifier
from kqlrules.engine.types import DUCKDB_TYPES, MAX_UNIX_TICKS, MIN_UNIX_TICKS
from kqlrules.table import Column, Table
from kqlrules.timespan import ticks


def stored_names(columns: list[Column]) -> list[str]:
    """The stored columns' names: a name equal to an earlier one's but for case gets `name~k` (DuckDB's names
    are case-insensitive, Kusto's are not)."""
    renames = case_renames(c.name for c in columns)
    return [renames.get(c.name, c.name) for c in columns]


def create_table(connection: Any, name: str, columns: list[Column]) -> None:
    body = ", ".join(
        f"{plain_identifier(stored)} {DUCKDB_TYPES.get(c.type, 'VARCHAR')}"
        for stored, c in zip(stored_names(columns), columns, strict=True)
    )
    connection.execute(f"CREATE OR REPLACE TABLE {plain_identifier(name)} ({body or '__kql_empty INTEGER'})")


def insert_rows(connection: Any, name: str, table: Table) -> None:
    if not table.rows:
        return
    if not table.columns:
        # Rows without a column (JSON lines of `{}`): the placeholder column keeps how many there are.
        connection.execute(f"INSERT INTO {plain_identifier(name)} SELECT NULL FROM range({len(table.rows)})")
        return
    converters = [_TO_DUCKDB.get(c.type, _same) for c in table.columns]
    marks = "(" + ", ".join("?" for _ in table.columns) + ")"
    # One multi-row INSERT per chunk rather than `executemany` (benchmarks/inserts.py: ~5x on fixtures).
    chunk = max(1, _PARAMETERS_PER_STATEMENT // max(1, len(table.columns)))
    for start in range(0, len(table.rows), chunk):
        rows = table.rows[start : start + chunk]
        values: list[Any] = []
        for row in rows:
            values.extend(conv(v) for conv, v in zip(converters, row, strict=True))
        statement = f"INSERT INTO {plain_identifier(name)} VALUES {', '.join([marks] * len(rows))}"
        connection.execute(statement, values)


_PARAMETERS_PER_STATEMENT = 20_000


def _same(value: Any) -> Any:
    return value


def _string(value: Any) -> Any:
    return "" if value is None else str(value)


def _datetime(value: Any) -> Any:
    """A naive UTC datetime for a TIMESTAMP_NS column; text for one with a tick below the microsecond
    (DuckDB reads a Python datetime to the microsecond). An instant the column cannot hold is refused."""
    if not isinstance(value, datetime):
        return value
    if not _EARLIEST <= as_utc(value) <= _LATEST:
        raise UnsupportedKql(f"the table value {format_datetime(value)}: {DATETIME_OUTSIDE_ENGINE}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    tick = tick_of(value)
    if tick:
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond * 10 + tick:07d}"
    return value


def _timespan(value: Any) -> Any:
    if isinstance(value, timedelta):
        return ticks(value)
    return value


def _dynamic(value: Any) -> Any:
    return None if value is None else json.dumps(value, separators=(",", ":"), default=str)


_EARLIEST = from_unix_ticks(MIN_UNIX_TICKS)
_LATEST = from_unix_ticks(MAX_UNIX_TICKS)
_TO_DUCKDB = {"string": _string, "datetime": _datetime, "timespan": _timespan, "dynamic": _dynamic}
