"""The result of a query: typed columns and rows of Python values, whatever answered it.

Shared by the local engine, the workspaces (local and Azure), the test runner and the scheduled runner.
Values: string -> str, long/int -> int, real/decimal -> float, bool -> bool, datetime -> aware UTC
`datetime`, timespan -> `timedelta`, guid -> str, dynamic -> parsed JSON (dict/list/scalar); null -> None.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kqlrules.datetimes import format_datetime
from kqlrules.timespan import format_dotnet_timespan

KUSTO_TYPES = ("string", "long", "int", "real", "decimal", "bool", "datetime", "timespan", "guid", "dynamic")


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __len__(self) -> int:
        return len(self.rows)

    def select(self, names: list[str]) -> Table:
        """Those columns, in that order (a name the table lacks is a KeyError)."""
        index = {name: i for i, name in enumerate(self.column_names)}
        picked = [index[name] for name in names]
        return Table([self.columns[i] for i in picked], [[row[i] for i in picked] for row in self.rows])

    def records(self) -> Iterator[dict[str, Any]]:
        names = self.column_names
        for row in self.rows:
            yield dict(zip(names, row, strict=True))


def json_cell(value: Any) -> Any:
    """A value as JSON: datetimes ISO 8601 UTC, timespans as Kusto prints them, dynamic as itself."""
    if isinstance(value, datetime):
        return format_datetime(value)
    return format_dotnet_timespan(value) if isinstance(value, timedelta) else value


def table_json(table: Table) -> dict[str, Any]:
    """`{"columns": [{"name", "type"}], "rows": [[...]]}`, the JSON `kqlrules query` writes."""
    return {
        "columns": [{"name": c.name, "type": c.type} for c in table.columns],
        "rows": [[json_cell(v) for v in row] for row in table.rows],
    }
