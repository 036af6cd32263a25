"""How `kqlrules/kusto/schemas/` (the schemas kqlrules ships) is built: every table of the sources, each
table's columns merged across them, plus the standard columns every Log Analytics table has.

    kqlrules schema import ../shared/schemas/tables ../shared/schemas/functions data/table-reference \\
        --out kqlrules/kusto/schemas --builtin

Sources, in order (a later one's column types win, its columns come first):
- Microsoft Sentinel CI's table and function schemas (the Azure-Sentinel repository's
  `.script/tests/KqlvalidationsTests/CustomTables` and `CustomFunctions`, MIT), restated in kqlrules' format;
- `data/table-reference/`: column lists restated from the Log Analytics table reference
  (learn.microsoft.com/azure/azure-monitor/reference/tables/<table>), for the tables detections read most and
  the ones Sentinel CI's set lacks or has stale (each file names its page); `functions/` there restates the
  output columns of Sentinel solutions' parsers that published rules call (each names its parser file and
  commit), and `custom-logs/` corrects custom-log column types by the Data Collector API's naming rule;
- the standard columns (kqlrules.kusto.standard_columns).
"""

from __future__ import annotations

import json
from pathlib import Path

from kqlrules.kusto.schema_import import function_document, table_document
from kqlrules.kusto.schemas import FunctionSchema, SchemaSet, TableSchema
from kqlrules.kusto.standard_columns import with_standard_columns
from kqlrules.table import Column

SENTINEL_CI = "Microsoft Sentinel CI schema (Azure-Sentinel .script/tests/KqlvalidationsTests, {file})"
STANDARD = "standard columns (learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns)"


def build_builtin(sources: list[Path], out: Path) -> list[Path]:
    tables: dict[str, tuple[dict[str, Column], list[str]]] = {}
    functions: dict[str, FunctionSchema] = {}
    for folder in sources:
        for path in sorted(folder.rglob("*")):
            if not _is_schema_file(path):
                continue
            one = SchemaSet()
            one.add_file(path)
            functions.update(one.functions)
            for table in one.tables.values():
                _merge(tables, table, table.origin or SENTINEL_CI.format(file=path.name))
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.json"), *out.glob("functions/*.json")]:
        stale.unlink()
    written = []
    for name, (columns, origins) in sorted(tables.items()):
        if name in functions:
            continue  # Sentinel ships ASIM parsers as tables too; the function (with parameters) wins.
        origin = "; ".join([*origins, STANDARD])
        schema = TableSchema(name, with_standard_columns(tuple(columns.values())), origin=origin)
        written.append(_write(out / f"{name}.json", table_document(schema)))
    (out / "functions").mkdir(exist_ok=True)
    for function in sorted(functions.values(), key=lambda f: f.name):
        written.append(_write(out / "functions" / f"{function.name}.json", function_document(function)))
    return written


def _merge(tables: dict[str, tuple[dict[str, Column], list[str]]], table: TableSchema, origin: str) -> None:
    # A name a file lists twice keeps its first type, as the local engine does (Sentinel CI's ProofpointPOD
    # lists NetworkBytes as Double, then String; the solution's parser makes it with toreal()).
    newer: dict[str, Column] = {}
    for column in table.columns:
        newer.setdefault(column.name, column)
    if table.name not in tables:
        tables[table.name] = (newer, [origin])
        return
    older, origins = tables[table.name]
    merged = {**newer, **{n: c for n, c in older.items() if n not in newer}}
    tables[table.name] = (merged, [*origins, origin])


def _is_schema_file(path: Path) -> bool:
    if not path.is_file():
        return False
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        return True
    # One file of Sentinel CI's set (Nessus_VM_CL) has no extension; it is JSON all the same.
    return not path.suffix and path.read_bytes().lstrip()[:1] == b"{"


def _write(path: Path, document: dict[str, object]) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
