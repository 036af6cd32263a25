"""`kqlrules record`: fixture rows for a detection, taken from a workspace and redacted so they can be
committed. The tables recorded are the ones the analyzer says the rendered query reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kqlrules.datetimes import format_datetime
from kqlrules.kusto import Analyzer, SchemaSet, shared_analyzer
from kqlrules.rules import LoadedDetection, shown
from kqlrules.table import Table
from kqlrules.testing.inject import name_literal
from kqlrules.testing.redaction import Redactor
from kqlrules.testing.workspace_backend import QueryTarget
from kqlrules.timespan import format_timespan

DEFAULT_LIMIT = 100  # kqlrules.cli.testing.DEFAULT_RECORD_LIMIT says the same


@dataclass
class Recording:
    detection: LoadedDetection
    now: datetime
    files: dict[str, Path]  # table -> fixture file written
    rows: dict[str, int]

    def case_stub(self) -> str:
        """A case to paste into the detection's `.tests.yaml`; its expectation is left to the author."""
        folder = self.detection.yaml_path.parent
        lines = [
            f"- name: recorded {self.now:%Y-%m-%d %H:%M} UTC",
            f"  now: {self.now:%Y-%m-%dT%H:%M:%SZ}",
            "  tables:",
            *(f"    {table}: {path.relative_to(folder).as_posix()}" for table, path in self.files.items()),
            "  expect: {alerts: 0}   # say what these rows must raise",
        ]
        return "\n".join(lines) + "\n"


def tables_read(
    detection: LoadedDetection, schemas: SchemaSet, analyzer: Analyzer | None = None
) -> list[str]:
    analysis = (analyzer or shared_analyzer()).analyze(detection.render().text, schemas)
    return list(analysis.tables)


def recording_query(table: str, since: timedelta, limit: int, *, start: datetime | None = None) -> str:
    """The newest `limit` rows of `table`: since `ago(since)`, or since `start` when recording as of a
    given instant (`record --now`), where `now()` on Azure would be the real time."""
    bound = f"ago({format_timespan(since)})" if start is None else f"datetime({start:%Y-%m-%dT%H:%M:%SZ})"
    return (
        f"{name_literal(table)}\n| where TimeGenerated > {bound}\n"
        f"| sort by TimeGenerated desc\n| take {limit}"
    )


def record(
    detection: LoadedDetection,
    workspace: QueryTarget,
    schemas: SchemaSet,
    *,
    since: timedelta,
    limit: int = DEFAULT_LIMIT,
    redactor: Redactor,
    now: datetime | None = None,
    analyzer: Analyzer | None = None,
) -> Recording:
    instant = (now or datetime.now(UTC)).replace(microsecond=0)
    folder = detection.yaml_path.parent / "fixtures"
    files: dict[str, Path] = {}
    counts: dict[str, int] = {}
    for table in tables_read(detection, schemas, analyzer):
        if now is None:
            result = workspace.query(recording_query(table, since, limit), since)
        else:
            start = instant - since
            result = workspace.query(recording_query(table, since, limit, start=start), (start, instant))
        path = folder / f"{detection.name}.{table}.jsonl"
        counts[table] = write_jsonl(path, result, redactor)
        files[table] = path
    return Recording(detection, instant, files, counts)


def write_jsonl(path: Path, table: Table, redactor: Redactor) -> int:
    """One JSON object per row; empty values are left out (a fixture only says what matters)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in table.records():
            kept = {
                name: _json_value(value) for name, value in redactor.row(record).items() if _present(value)
            }
            handle.write(json.dumps(kept, ensure_ascii=False, sort_keys=False) + "\n")
    return len(table)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, timedelta):
        return format_timespan(value)
    return value


def describe(recording: Recording) -> list[str]:
    return [
        f"{shown(path)}: {recording.rows[table]} row(s) of {table}" for table, path in recording.files.items()
    ]


# The name the package exports: `kqlrules.testing.record` is this module, so the function goes by another.
record_fixtures = record
