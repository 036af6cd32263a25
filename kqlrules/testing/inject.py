"""Fixtures as KQL: `let <Table> = datatable(...)[...];` statements put before a detection's query, so a
real workspace runs a case on the case's rows (a `let` shadows the workspace's table of that name)."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

from kqlrules.datetimes import format_datetime_microseconds
from kqlrules.table import Table
from kqlrules.timespan import format_dotnet_timespan

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def name_literal(name: str) -> str:
    """A table or column name as KQL: bare when it is an identifier, `['quoted']` otherwise."""
    return name if _IDENTIFIER.match(name) else "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


def string_literal(text: str) -> str:
    return '"' + "".join(_STRING_ESCAPES.get(char, char) for char in text) + '"'


def value_literal(value: Any, kusto_type: str) -> str:
    """One datatable cell as a KQL literal of the column's type."""
    if value is None:
        return '""' if kusto_type == "string" else f"{kusto_type}(null)"
    if kusto_type == "string":
        return string_literal(str(value))
    if kusto_type == "bool":
        return "true" if value else "false"
    if kusto_type in ("long", "int"):
        return f"{kusto_type}({int(value)})"
    if kusto_type in ("real", "decimal"):
        number = float(value)
        if math.isnan(number):
            return f"{kusto_type}(nan)"
        if math.isinf(number):
            return f"{kusto_type}({'+' if number > 0 else '-'}inf)"
        return f"{kusto_type}({number!r})"
    if kusto_type == "datetime":
        if isinstance(value, datetime):
            return f"datetime({format_datetime_microseconds(value)})"
        return f"datetime({value.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z)"
    if kusto_type == "timespan":
        return f"timespan({format_dotnet_timespan(value)})"
    if kusto_type == "guid":
        return f"guid({value})"
    return f"dynamic({json.dumps(value, default=str, ensure_ascii=False)})"


def datatable(table: Table) -> str:
    columns = ", ".join(f"{name_literal(c.name)}:{c.type}" for c in table.columns)
    cells = []
    for row in table.rows:
        cells.append(", ".join(value_literal(v, c.type) for v, c in zip(row, table.columns, strict=True)))
    body = ",\n    ".join(cells)
    return f"datatable({columns})[" + (f"\n    {body}\n" if cells else "") + "]"


def inject(tables: dict[str, Table], query: str) -> tuple[str, int]:
    """`query` preceded by one `let` per table; also the number of lines added before the query."""
    lets = [f"let {name_literal(name)} = {datatable(table)};" for name, table in sorted(tables.items())]
    prefix = "\n".join(lets) + "\n" if lets else ""
    return prefix + query, prefix.count("\n")
