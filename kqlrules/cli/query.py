"""`kqlrules query`: run KQL on the local engine over a local workspace folder and/or schemas."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kqlrules.cli.common import UsageProblem, console, instant_option, user_errors
from kqlrules.cli.options import (
    ENDPOINT_OPTION,
    NOW_OPTION,
    SCHEMAS_OPTION,
    OutputFormat,
    formats,
    workspace_option,
)
from kqlrules.cli.records import print_table
from kqlrules.errors import KqlrulesError
from kqlrules.table import json_cell, table_json

if TYPE_CHECKING:
    from kqlrules.table import Table


def register(app: typer.Typer) -> None:
    app.command("query")(query)


@formats(OutputFormat.text, OutputFormat.json, OutputFormat.csv)
@user_errors
def query(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, metavar="QUERY", help="The KQL to run."),
    file: Path | None = typer.Option(None, "-f", "--file", help="Read the query from FILE."),
    jsonl: Path | None = typer.Option(
        None, "--jsonl", help='Run each line {"id", "query"} of FILE; write one JSON line per query.'
    ),
    workspace: str | None = workspace_option(default_help="Default: no tables (only --schemas)."),
    endpoint: str | None = ENDPOINT_OPTION,
    schemas: list[Path] = SCHEMAS_OPTION,
    now: str | None = NOW_OPTION,
    columns: str | None = typer.Option(
        None, "--columns", metavar="A,B,...", help="Show only these columns, in this order."
    ),
    externaldata: list[str] = typer.Option(
        [], "--externaldata", metavar="URL=FILE", help="Read an externaldata URL from a local FILE."
    ),
    empty_externaldata: bool = typer.Option(
        False, "--empty-externaldata", help="Read every other externaldata URL as no rows."
    ),
) -> None:
    """Run KQL locally over a workspace folder (tables from files, or empty tables from schemas), or on
    a workspace through the query API. Text output is a table when it fits the terminal, else one record
    per row; --format json or csv for machines."""
    from kqlrules.cli.common import app_context

    sources = [s for s in (text, file, jsonl) if s is not None]
    if len(sources) != 1:
        raise UsageProblem("give exactly one of QUERY, -f FILE or --jsonl FILE")
    output = app_context(ctx).format
    instant = _instant(now)
    if workspace is not None and not workspace.startswith("local:"):
        if jsonl is not None or externaldata or empty_externaldata or now is not None:
            raise UsageProblem("--jsonl, --externaldata and --now run on the local engine (local:DIR)")
        from kqlrules.workspace import open_workspace

        kql = text if text is not None else _read_text(file)
        result = open_workspace(workspace, endpoint=endpoint).query(kql, None)
        _print(_chosen(result, columns), output)
        return
    from kqlrules.engine import ExternalData, LocalEngine
    from kqlrules.kusto import SchemaSet
    from kqlrules.workspace import load_workspace_folder

    tables = {}
    if workspace is not None:
        tables = load_workspace_folder(Path(workspace[len("local:") :]))
    external = ExternalData(_external_files(externaldata), "empty" if empty_externaldata else "refuse")
    engine = LocalEngine(tables, SchemaSet.load(*schemas) if schemas else None, externaldata=external)
    if jsonl is not None:
        from kqlrules.engine import batch_answers

        for answer in batch_answers(engine, _read_text(jsonl), jsonl, instant):
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    kql = text if text is not None else _read_text(file)
    result = engine.query(kql, now=instant)
    _print(_chosen(result, columns), output)


def _chosen(result: Table, columns: str | None) -> Table:
    """`--columns A,B`: those columns in that order; a name the result lacks is an error with candidates."""
    if columns is None:
        return result
    from difflib import get_close_matches

    names = [name.strip() for name in columns.split(",") if name.strip()]
    for name in names:
        if name not in result.column_names:
            close = get_close_matches(name, result.column_names, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else None
            raise UsageProblem(f"--columns: the result has no column {name!r}", hint=hint)
    return result.select(names)


def _external_files(pairs: list[str]) -> dict[str, str]:
    files = {}
    for pair in pairs:
        url, separator, file = pair.rpartition("=")
        if not separator or not url or not file:
            raise UsageProblem(f"--externaldata {pair!r} is not URL=FILE")
        files[url] = file
    return files


def _read_text(file: Path | None) -> str:
    assert file is not None
    try:
        return file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise KqlrulesError(f"cannot read {file}: {error.strerror}") from None


def _instant(now: str | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return instant_option(now, "--now")


def _print(result: Table, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(table_json(result), ensure_ascii=False) + "\n")
        return
    if output is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.column_names)
        for row in result.rows:
            writer.writerow([_text(v) for v in row])
        sys.stdout.write(buffer.getvalue())
        return
    print_table(console, result.column_names, [[_text(v) for v in row] for row in result.rows])


def _text(value: Any) -> str:
    value = json_cell(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
