"""Fixture rows -> typed `Table`s, checked against the table schemas.

Rows come inline from the test file or from a `.jsonl`, `.csv` or `.parquet` file beside it. Every row is
checked against its table's schema: a column the table lacks or a value of the wrong type is reported at
the row's file:line:col, naming the case. A table a case leaves out is empty but keeps its schema, so a
query over several tables still runs.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqlrules.errors import Location
from kqlrules.kusto import SchemaSet, TableSchema
from kqlrules.rules import shown
from kqlrules.table import Column, Table
from kqlrules.testing.cases import FixtureFile, InlineRows, RowSource, TableInput, TestCase
from kqlrules.testing.errors import FixtureError
from kqlrules.testing.values import ValueTypeError, coerce
from kqlrules.text_files import NotUtf8, decode_utf8


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
    """Columns whose names differ only by case (some published schemas have them) are one column to
    Kusto's case-insensitive stores; the first is kept, as the local engine keeps it."""
    seen: set[str] = set()
    kept = []
    for column in schema.columns:
        if column.name.lower() not in seen:
            seen.add(column.name.lower())
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
        except ValueTypeError as error:
            raise FixtureError(
                f"{case.where()}: {schema.name}.{column} is {types[column]}: {error}", source.cell(column)
            ) from None
    return typed


# -- files ----------------------------------------------------------------------------------------------
def read_fixture_file(path: Path, case: TestCase) -> _FileRows:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _FileRows(_jsonl(path, case), from_text=False)
    if suffix == ".csv":
        return _FileRows(_csv(path, case), from_text=True)
    return _FileRows(_parquet(path, case), from_text=False)


def _jsonl(path: Path, case: TestCase) -> list[RowSource]:
    shown_path = shown(path)
    rows = []
    lines = _fixture_text(path, case).splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise FixtureError(
                f"{case.where()}: malformed JSON line: {error.msg}", Location(shown_path, number, error.colno)
            ) from None
        if not isinstance(value, dict):
            raise FixtureError(
                f"{case.where()}: each line must be one JSON object (a row)", Location(shown_path, number, 1)
            )
        where = Location(shown_path, number, 1)
        rows.append(RowSource(value, where, {column: where for column in value}))
    return rows


def _csv(path: Path, case: TestCase) -> list[RowSource]:
    shown_path = shown(path)
    rows = []
    try:
        with io.StringIO(_fixture_text(path, case), newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if not header:
                return []
            # An unknown column is best shown at its header cell.
            header_cells = {
                name: Location(shown_path, 1, start)
                for name, start in zip(header, _column_starts(header), strict=True)
            }
            for record in reader:
                number = reader.line_num
                if not record:
                    continue
                if len(record) != len(header):
                    raise FixtureError(
                        f"{case.where()}: row has {len(record)} cells but the header names {len(header)}",
                        Location(shown_path, number, 1),
                    )
                values = dict(zip(header, record, strict=True))
                cells = {name: Location(shown_path, number, 1) for name in header}
                rows.append(RowSource(values, Location(shown_path, number, 1), cells, header_cells))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise FixtureError(f"{case.where()}: malformed CSV: {error}", Location(shown_path)) from None
    return rows


def _fixture_text(path: Path, case: TestCase) -> str:
    try:
        return decode_utf8(path.read_bytes())
    except OSError as error:
        raise FixtureError(f"{case.where()}: cannot read fixture: {error}", Location(shown(path))) from None
    except NotUtf8 as error:
        raise FixtureError(
            f"{case.where()}: fixture is {error}",
            Location(shown(path), error.line, error.col),
            hint="save the fixture as UTF-8",
        ) from None


def _column_starts(header: list[str]) -> list[int]:
    starts, col = [], 1
    for name in header:
        starts.append(col)
        col += len(name) + 1
    return starts


def _parquet(path: Path, case: TestCase) -> list[RowSource]:
    import duckdb

    shown_path = shown(path)
    try:
        with duckdb.connect() as connection:
            result = connection.execute("SELECT * FROM read_parquet(?)", [str(path)])
            names = [d[0] for d in result.description]
            records = result.fetchall()
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise FixtureError(
            f"{case.where()}: malformed Parquet file: {message}", Location(shown_path)
        ) from None
    rows = []
    for index, record in enumerate(records, start=1):
        values = {name: _parquet_value(value) for name, value in zip(names, record, strict=True)}
        # Parquet has no lines; the row number stands in for one.
        where = Location(shown_path, index)
        rows.append(RowSource(values, where, {name: where for name in names}))
    return rows


def _parquet_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
