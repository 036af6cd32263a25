"""A local workspace: a folder with one file per table (`<Table>.jsonl`, `.csv` or `.parquet`) and optional
schema files (`.json`/`.yaml`, ours or Sentinel's shape, in the folder or its `schemas/`). A table with a
schema and no data file is empty; values are coerced to the schema's types, and a bad value is reported at
its file:line with its column."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kqlrules.errors import KqlrulesError, Location
from kqlrules.kusto import SchemaSet
from kqlrules.table import Column, Table
from kqlrules.text_files import NotUtf8, decode_utf8
from kqlrules.workspace.cells import to_kusto

DATA_SUFFIXES = (".jsonl", ".csv", ".parquet")


class WorkspaceDataError(KqlrulesError):
    """A table file cannot be read, or a value does not fit its column's type."""


@dataclass(frozen=True)
class TableFile:
    """The records of one table file (`.jsonl`, `.csv` or `.parquet`), each with its line (Parquet has no
    lines: the row number stands in). CSV cells are all text (`from_text`); `header_columns` is the column of
    each CSV header name, where a misnamed column is best shown."""

    path: Path
    records: list[tuple[int, dict[str, Any]]]
    from_text: bool = False
    header_columns: dict[str, int] = field(default_factory=dict)


def read_table_file(file: Path) -> TableFile:
    """A table file's records as written, before any conversion to column types; a malformed file is a
    `WorkspaceDataError` at its file:line:col."""
    suffix = file.suffix.lower()
    if suffix == ".jsonl":
        return TableFile(file, _jsonl(file))
    if suffix == ".csv":
        return _csv(file)
    return TableFile(file, _parquet(file))


def load_workspace_folder(path: Path | str) -> dict[str, Table]:
    folder = Path(path)
    if not folder.is_dir():
        raise WorkspaceDataError(f"workspace folder {folder} does not exist")
    schemas = workspace_schemas(folder)
    tables: dict[str, Table] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() in DATA_SUFFIXES and file.is_file():
            if file.stem in tables:
                raise WorkspaceDataError(f"two data files for table {file.stem}", Location.of(file))
            schema = schemas.tables.get(file.stem)
            columns = list(schema.columns) if schema else None
            tables[file.stem] = _read(file, columns)
    for name, schema in schemas.tables.items():
        tables.setdefault(name, Table(list(schema.columns), []))
    return tables


def coerce_record(record: dict[str, Any], columns: list[Column], file: Path, line: int) -> list[Any]:
    """One record as a row of `columns` (a value that does not fit is reported at file:line)."""
    return [_coerce(record.get(c.name), c, file, line) for c in columns]


def jsonl_records(file: Path, start: int) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """The whole lines of a JSON-lines file from byte `start` on (line numbers counted from `start`), and
    the offset after the last whole line: a line still being written is left for the next read."""
    with file.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    whole = data[: data.rfind(b"\n") + 1]
    return _json_lines(file, _text(file, whole)), start + len(whole)


def workspace_schemas(folder: Path) -> SchemaSet:
    schemas = SchemaSet()
    for candidate in (folder, folder / "schemas"):
        if not candidate.is_dir():
            continue
        for file in sorted(candidate.iterdir()):
            if file.suffix.lower() in (".json", ".yaml", ".yml") and file.is_file():
                schemas.add_file(file)
    return schemas


def _read(file: Path, columns: list[Column] | None) -> Table:
    read = read_table_file(file)
    records = read.records
    if read.from_text:
        # An empty CSV cell is no value (an empty string in a string column).
        records = [(line, {k: None if v == "" else v for k, v in r.items()}) for line, r in records]
    if columns is None:
        columns = _infer(records)
    rows = []
    for line, record in records:
        rows.append([_coerce(record.get(c.name), c, file, line) for c in columns])
    return Table(columns, rows)


def _text(file: Path, data: bytes) -> str:
    try:
        return decode_utf8(data)
    except NotUtf8 as error:
        raise WorkspaceDataError(
            f"{error}", Location.of(file, error.line, error.col), hint="save the table file as UTF-8"
        ) from None


def _read_text(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as error:
        raise WorkspaceDataError(f"cannot read the table file: {error.strerror}", Location.of(file)) from None
    return _text(file, data)


def _jsonl(file: Path) -> list[tuple[int, dict[str, Any]]]:
    return _json_lines(file, _read_text(file))


def _json_lines(file: Path, lines: str) -> list[tuple[int, dict[str, Any]]]:
    """One JSON object (a row) per line; blank lines are skipped, a bad line is an error at its place."""
    records = []
    for number, text in enumerate(lines.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise WorkspaceDataError(
                f"malformed JSON line: {error.msg}", Location.of(file, number, error.colno)
            ) from None
        except RecursionError:
            raise WorkspaceDataError("JSON nested too deeply", Location.of(file, number, 1)) from None
        if not isinstance(record, dict):
            raise WorkspaceDataError("each line must be a JSON object (a row)", Location.of(file, number, 1))
        records.append((number, record))
    return records


def _csv(file: Path) -> TableFile:
    reader = csv.reader(io.StringIO(_read_text(file), newline=""), strict=True)
    records = []
    try:
        header = next(reader, None)
        if not header:
            return TableFile(file, [], from_text=True)
        starts: dict[str, int] = {}
        col = 1
        for name in header:
            starts.setdefault(name, col)
            col += len(name) + 1
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise WorkspaceDataError(
                    f"row has {len(row)} cells but the header names {len(header)}",
                    Location.of(file, reader.line_num, 1),
                )
            records.append((reader.line_num, dict(zip(header, row, strict=True))))
    except csv.Error as error:
        raise WorkspaceDataError(f"malformed CSV: {error}", Location.of(file, reader.line_num)) from None
    return TableFile(file, records, from_text=True, header_columns=starts)


def _parquet(file: Path) -> list[tuple[int, dict[str, Any]]]:
    import duckdb

    connection = duckdb.connect()
    try:
        cursor = connection.execute("SELECT * FROM read_parquet(?)", [str(file)])
        names = [d[0] for d in cursor.description]
        return [(i + 1, dict(zip(names, row, strict=True))) for i, row in enumerate(cursor.fetchall())]
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise WorkspaceDataError(f"malformed Parquet file: {message}", Location.of(file)) from None
    finally:
        connection.close()


def _infer(records: list[tuple[int, dict[str, Any]]]) -> list[Column]:
    """Without a schema: the columns in order of first appearance, typed from their first non-null value."""
    types: dict[str, str] = {}
    for _, record in records:
        for name, value in record.items():
            if types.get(name) in (None, "null"):
                types[name] = _kind_of(value)
    return [Column(name, "string" if kind == "null" else kind) for name, kind in types.items()]


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "real"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, dict | list):
        return "dynamic"
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return "datetime"
    return "string"


def _coerce(value: Any, column: Column, file: Path, line: int) -> Any:
    try:
        return to_kusto(value, column.type, lenient=True)
    except OverflowError:
        raise WorkspaceDataError(
            f"column {column.name}: {value!r} is outside the range of a {column.type}",
            Location.of(file, line),
        ) from None
    except (ValueError, TypeError):
        raise WorkspaceDataError(
            f"column {column.name}: {value!r} is not a {column.type}", Location.of(file, line)
        ) from None
