"""Fixture rows -> typed `Table`s, checked against the table schemas.

Rows come inline from the test file or from a `.jsonl`, `.csv` or `.parquet` file beside it. Every row is
checked against its table's schema: a column the table lacks or a value of the wrong type is reported at
the row's file:line:col, naming the case. A table a case leaves out is empty but keeps its schema, so a
query over several tables still runs.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqlrules.errors import Location
from kqlrules.kusto import SchemaSet, TableSchema
from kqlrules.rules import shown
from kqlrules.table import Column, Table
from kqlrules.testing.cases import FixtureFile, InlineRows, RowSource, TableInput, TestCase
from kqlrules.testing.errors import FixtureError
from kqlrules.testing.values import coerce
from kqlrules.workspace import CellTypeError, WorkspaceDataError, read_table_file


@dataclass(frozen=True)
class _FileRows:
    rows: list[RowSource]
    from_text: bool


class FixtureLoader:
    """Reads fixture files once per run (they are shared by cases) and types rows per case."""

    def __init__(self, schemas: SchemaSet) -> None:
        self.schemas = schemas
        self._files: dict[tuple[Path, float], _FileRows] = {}

    def tables_for(self, case: TestCase, read: Iterable[str] = ()) -> dict[str, Table]:
        """The case's tables, plus an empty one with its schema for each other table the query reads."""
        tables: dict[str, Table] = {}
        for name, given in case.tables.items():
            schema = self._schema(name, case)
            tables[name] = self._table(schema, given, case)
        for name in read:
            if name not in tables and name in self.schemas.tables:
                tables[name] = empty_table(self.schemas.tables[name])
        return tables

    def _schema(self, name: str, case: TestCase) -> TableSchema:
        schema = self.schemas.tables.get(name)
        if schema is not None:
            return schema
        close = difflib.get_close_matches(name, list(self.schemas.tables), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "add its schema to the repository's schemas/"
        raise FixtureError(
            f"{case.where()}: no schema for table {name}", case.table_locations.get(name), hint=hint
        )

    def _table(self, schema: TableSchema, given: TableInput, case: TestCase) -> Table:
        if isinstance(given, InlineRows):
            sources, from_text = given.rows, False
        else:
            loaded = self._file(given, case)
            sources, from_text = loaded.rows, loaded.from_text
        types = {c.name: c.type for c in schema.columns}
        columns = distinct_columns(schema)
        rows = []
        for source in sources:
            typed = typed_row(source, schema, types, case, from_text=from_text)
            rows.append([typed.get(c.name, _missing(c.type, c.name, schema.name)) for c in columns])
        return Table(columns, rows)

    def _file(self, given: FixtureFile, case: TestCase) -> _FileRows:
        try:
            key = (given.path, given.path.stat().st_mtime)
        except OSError as error:
            raise FixtureError(f"{case.where()}: cannot read fixture: {error}", given.location) from None
        if key not in self._files:
            self._files[key] = read_fixture_file(given.path, case)
        return self._files[key]


def empty_table(schema: TableSchema) -> Table:
    return Table(distinct_columns(schema), [])


def distinct_columns(schema: TableSchema) -> list[Column]:
    """Of columns of the same name (some published schema files repeat one), the first is kept; names equal
    but for case are two columns, in Kusto as in the local engine."""
    seen: set[str] = set()
    kept = []
    for column in schema.columns:
        if column.name not in seen:
            seen.add(column.name)
            kept.append(column)
    return kept


def _missing(kusto_type: str, column: str = "", table: str = "") -> Any:
    # Every Log Analytics table's `Type` holds the table's name (learn.microsoft.com/azure/azure-monitor/
    # logs/log-standard-columns), which a query over a union of tables reads to tell them apart.
    if column == "Type" and kusto_type == "string":
        return table
    # Kusto strings are never null: an absent string is empty, as a real workspace returns it.
    return "" if kusto_type == "string" else None


def typed_row(
    source: RowSource, schema: TableSchema, types: dict[str, str], case: TestCase, *, from_text: bool
) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for column, value in source.values.items():
        if column not in types:
            close = difflib.get_close_matches(column, list(types), n=1)
            raise FixtureError(
                f"{case.where()}: table {schema.name} has no column {column}",
                source.names.get(column) or source.cell(column),
                hint=f"did you mean {close[0]}?" if close else None,
            )
        try:
            typed[column] = coerce(value, types[column], case.now, from_text=from_text)
        except CellTypeError as error:
            raise FixtureError(
                f"{case.where()}: {schema.name}.{column} is {types[column]}: {error}", source.cell(column)
            ) from None
    return typed


# -- files ----------------------------------------------------------------------------------------------
def read_fixture_file(path: Path, case: TestCase) -> _FileRows:
    """A fixture file's rows, read as the local workspace reads its table files (one reader, one set of
    rules); a malformed file is reported at its file:line:col, naming the case."""
    shown_path = shown(path)
    try:
        read = read_table_file(path)
    except WorkspaceDataError as error:
        where = error.location or Location(shown_path)
        raise FixtureError(
            f"{case.where()}: {error.message}", Location(shown_path, where.line, where.col), hint=error.hint
        ) from None
    # An unknown column is best shown at its CSV header cell.
    names = {name: Location(shown_path, 1, col) for name, col in read.header_columns.items()}
    parquet = path.suffix.lower() == ".parquet"
    rows = []
    for line, record in read.records:
        values = {k: _parquet_value(v) for k, v in record.items()} if parquet else record
        # Parquet has no lines: the row number stands in, with no column.
        where = Location(shown_path, line, 0 if parquet else 1)
        rows.append(RowSource(values, where, {column: where for column in values}, names))
    return _FileRows(rows, from_text=read.from_text)


def _parquet_value(value: Any) -> Any:
    """Parquet's values as JSON would carry them: decimals as numbers, JSON text as the value it holds."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
