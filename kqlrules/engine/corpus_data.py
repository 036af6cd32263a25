"""Tables that hold rows for the corpus measure: the sample tenant's week, plus rows made from every schema.

On empty tables a refusal that only a row can trigger (a value the engine cannot compute right, found while
reading the data) never fires, so the empty-table measure overstates what runs. These tables give every
table of the schemas rows:
- the sample tenant's rows (`kqlrules.sample`), mapped onto the schema's columns;
- `ROWS_PER_TABLE` made rows per table, spread over the two weeks before `now` (rules look back from an hour
  to 14 days), whose string columns take the literals the corpus compares that column with (`Operation ==
  "Add member to role"`), so that rows pass the rules' filters and reach the operators after them.
The same inputs always give the same rows.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kqlrules.kusto import SchemaSet, TableSchema
from kqlrules.table import Column, Table
from kqlrules.workspace import load_workspace_folder

ROWS_PER_TABLE = 24
LITERALS_PER_COLUMN = 6
# How long before `now` each made row is: within the hour to 13 days back.
AGES = [timedelta(minutes=m) for m in (5, 20, 45, 90, 180, 360, 720, 1440, 2880, 5760, 10080, 18720)]

_COMPARED = re.compile(
    r"\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:==|=~|!=|!~|\bhas(?:_cs)?\b|\bcontains(?:_cs)?\b|\bstartswith\b"
    r"|\bendswith\b|\bin~?\b|\bhas_any\b)\s*\(?\s*(?:@?\"([^\"\n]{1,80})\"|@?'([^'\n]{1,80})')"
)


def column_literals(queries: Iterable[str]) -> dict[str, list[str]]:
    """For each column name, the first string literals the queries compare it with."""
    found: dict[str, list[str]] = {}
    for query in queries:
        for match in _COMPARED.finditer(query):
            name, literal = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
            values = found.setdefault(name, [])
            if literal not in values and len(values) < LITERALS_PER_COLUMN:
                values.append(literal)
    return found


def _string(column: str, index: int, literals: dict[str, list[str]]) -> str:
    pool = literals.get(column)
    if pool:
        return pool[index % len(pool)]
    lowered = column.lower()
    if lowered.endswith(("ipaddress", "ip", "_ip_s", "clientip", "sourceip")):
        return f"203.0.113.{index % 7 + 1}"
    if "principalname" in lowered or lowered.endswith(("upn", "account", "caller", "userid", "user")):
        return f"user{index % 3}@contoso.com"
    if lowered.endswith("id"):
        return str(uuid.UUID(int=index % 5 + 1))
    return f"{column}-{index % 4}"


def _value(column: Column, index: int, now: datetime, literals: dict[str, list[str]]) -> Any:
    kind = column.type
    if kind == "datetime":
        return now - AGES[index % len(AGES)]
    if kind == "string":
        return _string(column.name, index, literals)
    if kind in ("long", "int"):
        return index % 5 * (1 + index // 5)
    if kind in ("real", "decimal"):
        return index * 1.5
    if kind == "bool":
        return index % 2 == 0
    if kind == "guid":
        return str(uuid.UUID(int=index % 5 + 1))
    if kind == "timespan":
        return timedelta(minutes=index)
    if kind == "dynamic":
        return {"value": _string(column.name, index, literals)} if index % 2 else []
    return None


def made_rows(schema: TableSchema, now: datetime, literals: dict[str, list[str]]) -> list[list[Any]]:
    return [
        [_value(column, index, now, literals) for column in schema.columns] for index in range(ROWS_PER_TABLE)
    ]


def _sample_tables() -> tuple[dict[str, Table], datetime]:
    from kqlrules.sample import generate

    with tempfile.TemporaryDirectory() as folder:
        week = generate(Path(folder))
        return load_workspace_folder(folder), week.end


def _mapped(sample: Table, schema: TableSchema) -> list[list[Any]]:
    positions = {c.name: i for i, c in enumerate(sample.columns)}
    types = {c.name: c.type for c in sample.columns}
    rows = []
    for row in sample.rows:
        rows.append(
            [
                row[positions[c.name]] if c.name in positions and types[c.name] == c.type else None
                for c in schema.columns
            ]
        )
    return rows


def _distinct(schema: TableSchema) -> TableSchema:
    """Of columns of the same name (some published schema files repeat one), the first is kept; names equal
    but for case are two columns, in Kusto as in the local engine."""
    seen: set[str] = set()
    kept = []
    for column in schema.columns:
        if column.name not in seen:
            seen.add(column.name)
            kept.append(column)
    return TableSchema(schema.name, tuple(kept))


def tables_with_rows(schemas: SchemaSet, queries: Iterable[str]) -> tuple[dict[str, Table], datetime]:
    """A table with rows for every table of `schemas`, and the `now` to run queries at."""
    sample, now = _sample_tables()
    literals = column_literals(queries)
    tables: dict[str, Table] = {}
    for name, published in schemas.tables.items():
        schema = _distinct(published)
        columns = [Column(c.name, c.type) for c in schema.columns]
        rows = _mapped(sample[name], schema) if name in sample else []
        tables[name] = Table(columns, rows + made_rows(schema, now, literals))
    return tables, now
