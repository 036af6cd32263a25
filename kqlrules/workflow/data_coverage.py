"""Data coverage: the tables each enabled detection reads against the tables that have data in a workspace.

A detection is blind when a table it reads had no rows over the last N days: it cannot fire, whatever
happens. A table with rows that no detection reads is data paid for and watched by nothing.

The tables a detection reads come from the analyzer (what the rendered query binds to); when the analyzer
cannot tell (it is missing, or the query does not render), the detection's declared `tables` stand in.
The tables with data come from one query through the Workspace protocol, so a local folder, the local
query server and Log Analytics answer alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from kqlrules.datetimes import format_datetime
from kqlrules.errors import KqlrulesError
from kqlrules.kusto import Analysis, AnalysisCache, Analyzer, SchemaSet, fuzzy_leg_tables
from kqlrules.rules import LoadedDetection
from kqlrules.workspace import LocalWorkspace, Workspace, within

ROWS_PER_TABLE = "union withsource=SourceTable * | summarize Rows = count() by SourceTable"

Source = Literal["analyzer", "metadata"]


@dataclass(frozen=True)
class DetectionTables:
    key: str
    id: str
    name: str
    tables: tuple[str, ...]
    source: Source
    # Tables read only as legs of `union isfuzzy=true` (the union reference: it runs while one leg's table
    # exists), e.g. a Key Vault log in AzureDiagnostics or in AZKVAuditLogs.
    optional: frozenset[str] = frozenset()

    def without_data(self, has_rows: Callable[[str], bool]) -> list[str]:
        """The tables whose lack of data blinds the detection: each required one without rows; the optional
        ones only when the detection reads nothing else and none of them has rows."""
        required = [table for table in self.tables if table not in self.optional]
        if required:
            return [table for table in required if not has_rows(table)]
        return [] if any(has_rows(table) for table in self.tables) else list(self.tables)


@dataclass(frozen=True)
class DataCoverage:
    start: datetime
    end: datetime
    rows: dict[str, int]  # every table with data in [start, end), and its row count
    detections: tuple[DetectionTables, ...]

    def missing(self, detection: DetectionTables) -> list[str]:
        """The tables `detection` reads that had no data and that blind it (`DetectionTables.optional`)."""
        return detection.without_data(lambda table: self.rows.get(table, 0) > 0)

    @property
    def blind(self) -> list[DetectionTables]:
        return [d for d in self.detections if self.missing(d)]

    @property
    def unwatched(self) -> list[str]:
        """Tables with data that no enabled detection reads."""
        read = {table for d in self.detections for table in d.tables}
        return sorted(table for table, rows in self.rows.items() if rows > 0 and table not in read)

    def to_json(self) -> dict[str, Any]:
        readers: dict[str, list[str]] = {}
        for detection in self.detections:
            for table in detection.tables:
                readers.setdefault(table, []).append(detection.key)
        return {
            "from": format_datetime(self.start),
            "to": format_datetime(self.end),
            "detections": [
                {
                    "detection": d.key,
                    "id": d.id,
                    "name": d.name,
                    "tables": list(d.tables),
                    "tables_from": d.source,
                    "blind": bool(self.missing(d)),
                    "tables_without_data": self.missing(d),
                }
                for d in self.detections
            ],
            "tables": [
                {"table": table, "rows": self.rows.get(table, 0), "detections": readers.get(table, [])}
                for table in sorted(set(self.rows) | set(readers))
            ],
            "blind": [d.key for d in self.blind],
            "unwatched_tables": self.unwatched,
        }


def tables_read(
    detections: Sequence[LoadedDetection],
    analyzer: Analyzer | None,
    schemas: SchemaSet | None,
    cache: AnalysisCache | None = None,
) -> list[DetectionTables]:
    """What each enabled detection reads, by the analyzer where it can tell."""
    enabled = [d for d in detections if d.meta.enabled]
    analyzed = _analyzed_tables(enabled, analyzer, schemas, cache)
    found = []
    for detection in enabled:
        meta = detection.meta
        tables, optional = analyzed.get(detection.key, ([], set()))
        source: Source = "analyzer" if tables else "metadata"
        chosen = tables or list(meta.tables)
        found.append(
            DetectionTables(
                detection.key, meta.id, meta.name, tuple(dict.fromkeys(chosen)), source, frozenset(optional)
            )
        )
    return found


def query_tables(analyzer: Analyzer, schemas: SchemaSet) -> Callable[[str], list[str]]:
    """The tables a query reads, by the analyzer: none for a query that does not bind."""

    def tables(query: str) -> list[str]:
        try:
            analysis = analyzer.analyze(query, schemas)
        except KqlrulesError:
            return []
        return [] if analysis.errors else list(analysis.tables)

    return tables


def _analyzed_tables(
    detections: list[LoadedDetection],
    analyzer: Analyzer | None,
    schemas: SchemaSet | None,
    cache: AnalysisCache | None,
) -> dict[str, tuple[list[str], set[str]]]:
    """The tables the analyzer binds in each rendered query that renders and binds without errors, and
    those of them read only through `union isfuzzy=true`."""
    if analyzer is None or schemas is None:
        return {}
    rendered: dict[str, str] = {}
    for detection in detections:
        try:
            rendered[detection.key] = detection.render().text
        except KqlrulesError:
            continue
    found: dict[str, tuple[list[str], set[str]]] = {}
    outcomes = analyzer.analyze_many(rendered.values(), schemas, cache=cache)
    for key, outcome in zip(rendered, outcomes, strict=True):
        if isinstance(outcome, Analysis) and not outcome.errors and outcome.tables:
            found[key] = (list(outcome.tables), _fuzzy_only(analyzer, schemas, rendered[key], outcome.tables))
    return found


def _fuzzy_only(analyzer: Analyzer, schemas: SchemaSet, text: str, tables: Sequence[str]) -> set[str]:
    """The tables read only as `union isfuzzy=true` legs (the tree is asked for only when there is one)."""
    if "isfuzzy" not in text.lower():
        return set()
    try:
        legs = fuzzy_leg_tables(analyzer.analyze(text, schemas, tree=True))
    except KqlrulesError:
        return set()
    return {table for table in tables if table in legs}


def rows_per_table(workspace: Workspace, start: datetime, end: datetime) -> dict[str, int]:
    """Each table with data in [start, end) and its row count: a local folder's tables are counted as
    they are (loading them into the engine to count them would cost more than the count), any other
    workspace answers one query."""
    if isinstance(workspace, LocalWorkspace):
        counts = {name: len(within(table, start, end)) for name, table in workspace.tables.items()}
        return {name: count for name, count in counts.items() if count > 0}
    result = workspace.query(ROWS_PER_TABLE, (start, end))
    rows: dict[str, int] = {}
    for record in result.records():
        table, count = record.get("SourceTable"), record.get("Rows")
        if isinstance(table, str) and isinstance(count, int) and count > 0:
            rows[table] = rows.get(table, 0) + count
    return rows


def data_coverage(
    detections: Sequence[LoadedDetection],
    workspace: Workspace,
    now: datetime,
    days: int,
    *,
    analyzer: Analyzer | None,
    schemas: SchemaSet | None,
    cache: AnalysisCache | None = None,
) -> DataCoverage:
    if days < 1:
        raise KqlrulesError(f"--days must be at least 1, not {days}")
    start = now - timedelta(days=days)
    read = tables_read(detections, analyzer, schemas, cache)
    return DataCoverage(start, now, rows_per_table(workspace, start, now), tuple(read))
