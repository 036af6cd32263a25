"""A workspace in a folder: table files (`<Table>.jsonl|.csv|.parquet`) answered by the local KQL engine.

Like the service, a query's `timespan` limits every table's `TimeGenerated` (start inclusive, end exclusive)
before the query sees it, and `now()`/`ago()` are evaluated at the timespan's end, so a window replayed later
(or on a simulated clock) gives the same answer as when it was live.

A window whose tables hold no row in its timespan is answered without running the query when the result
is known to be empty then (`kqlrules.engine.empty_result`): the engine names the tables the result's rows
come from, none of them has a row in range (`kqlrules.workspace.time_index`), the plan has no run-time
guards, and the query once run over an empty timespan returned no rows (checked once per query text).
When any of that is not so, the query runs. A scheduled runner catching up over a quiet week spends most of
its time on such windows (it can also skip them itself: `kqlrules.runner.quiet`).

Each row has an ingestion time, which `ingestion_time()` returns: the row's `_IngestionTime` when its file
gives one, else its `TimeGenerated` (rows in the folder when the workspace opens arrived "on time"). Rows that
arrive while the workspace is open are stamped with the moment they arrive: rows appended to a `.jsonl` file
of the folder (picked up at the next query) and rows sent to `append` (the local server's Logs Ingestion API
endpoint). Stamping and making a row visible happen under one lock that queries also take, so a row stamped
before a query started is in that query's data, and one stamped later is stamped after the query began.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kqlrules.engine import EmptyResults, LocalEngine
from kqlrules.errors import KqlrulesError, Location
from kqlrules.table import Column, Table
from kqlrules.workspace.folder import coerce_record, jsonl_records, load_workspace_folder
from kqlrules.workspace.ingestion_scope import run_in_scope, split_ingestion_scope
from kqlrules.workspace.protocol import Timespan, resolve_timespan
from kqlrules.workspace.time_index import TimeIndex

TIME_COLUMN = "TimeGenerated"
INGESTION_COLUMN = "_IngestionTime"


class IngestionRejected(KqlrulesError):
    """Rows sent for ingestion do not fit the table (unknown table or column, a value of the wrong type)."""


@dataclass
class _Tail:
    """How far a table's `.jsonl` file has been read."""

    path: Path
    offset: int


class LocalWorkspace:
    """The tables of a folder (or given as `tables`), queried with the local KQL engine."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        tables: dict[str, Table] | None = None,
        watchlists: Path | None = None,
        answer_quiet_windows: bool = True,
    ) -> None:
        """`watchlists` is a detection repository whose `watchlists/*.csv` `_GetWatchlist` reads here, as
        the watchlists `kqlrules deploy` creates in Sentinel are read there. `answer_quiet_windows=False`
        runs every query (for a benchmark's comparison)."""
        if tables is None:
            if folder is None or not folder.is_dir():
                raise KqlrulesError(
                    "not a workspace folder",
                    Location.of(folder or "."),
                    hint="a folder of <Table>.jsonl files",
                )
            tables = load_workspace_folder(folder)
        self._tails = {
            file.stem: _Tail(file, file.stat().st_size)
            for file in (folder.glob("*.jsonl") if folder is not None and folder.is_dir() else [])
            if file.stem in tables
        }
        self.folder = folder
        self._watchlists = watchlists
        self._answer_quiet_windows = answer_quiet_windows
        self.tables: dict[str, Table] = dict(tables or {})
        # The engine limits tables to a timespan in SQL: one engine, its tables loaded once (again after
        # rows arrive).
        self._shared: LocalEngine | None = None
        self._index = TimeIndex(self.tables)
        self._empty = EmptyResults()  # the empty results proven for these tables
        self._lock = threading.Lock()
        self.windows_answered_empty = 0  # queries answered without running (for the benchmark's count)

    def query(self, kql: str, timespan: Timespan) -> Table:
        now = datetime.now(UTC)
        span = resolve_timespan(timespan, now)
        engine, index, empty = self._snapshot()
        at = span[1] if span else now
        if span is not None and self._answer_quiet_windows:
            known = self._known_empty(engine, index, empty, kql, span)
            if known is not None:
                return known
        scope = split_ingestion_scope(kql)
        if scope is not None:
            # A near-real-time window: its scope as parameters, so every window shares one translation.
            scoped = run_in_scope(engine, kql, scope, at, span)
            if scoped is not None:
                return scoped
        return engine.query(kql, now=at, timespan=span)

    def _known_empty(
        self,
        engine: LocalEngine,
        index: TimeIndex,
        empty: EmptyResults,
        kql: str,
        span: tuple[datetime, datetime],
    ) -> Table | None:
        """The query's result for `span` when it is known to be empty without running it, else None
        (`kqlrules.engine.empty_result`).

        A near-real-time window's query (the runner's ingestion scope on its first line) is judged on the
        query the scope narrows: a narrowed table is empty when no row of it was ingested in the scope's
        range, whatever its `TimeGenerated`; the scope only takes rows away."""
        scope = split_ingestion_scope(kql)
        query = kql if scope is None else scope.query
        narrowed = () if scope is None else scope.tables

        def active(table: str) -> bool:
            if table in narrowed and scope is not None:
                return index.has_ingested(table, scope.start, scope.end)
            return index.has_rows(table, *span)

        known = empty.known_empty(engine, query, span[1], active)
        if known is not None:
            with self._lock:
                self.windows_answered_empty += 1
        return known

    def append(self, table: str, records: list[dict[str, Any]]) -> int:
        """Ingest `records` into `table` now (each stamped with its arrival as `_IngestionTime`); the number
        of rows taken. All or nothing: one record that does not fit refuses the lot."""
        with self._lock:
            return self._add(table, [(number, r) for number, r in enumerate(records, start=1)], None)

    def _pick_up_appended(self) -> None:
        """Rows appended to the folder's `.jsonl` files since the last look (whole lines only)."""
        for name, tail in self._tails.items():
            try:
                size = tail.path.stat().st_size
            except OSError:
                continue
            if size <= tail.offset:
                continue
            records, tail.offset = jsonl_records(tail.path, tail.offset)
            if records:
                self._add(name, records, tail.path)

    def _add(self, name: str, records: list[tuple[int, dict[str, Any]]], file: Path | None) -> int:
        table = self.tables.get(name)
        if table is None:
            raise IngestionRejected(f"no table {name!r} in this workspace", hint="a table it has")
        columns = list(table.columns)
        names = {c.name for c in columns}
        for line, record in records:
            unknown = sorted(set(record) - names - {INGESTION_COLUMN})
            if unknown:
                raise IngestionRejected(
                    f"table {name}: no column(s) {', '.join(unknown)}", Location.of(file or "request", line)
                )
        rows = [list(row) for row in table.rows]
        if INGESTION_COLUMN not in names:
            # Rows already there arrived on time: their ingestion time is their TimeGenerated.
            at = table.column_names.index(TIME_COLUMN) if TIME_COLUMN in names else None
            rows = [[*row, None if at is None else row[at]] for row in rows]
            columns.append(Column(INGESTION_COLUMN, "datetime"))
        arrived = datetime.now(UTC)
        where = file or Path("request")
        try:
            new = [coerce_record({INGESTION_COLUMN: arrived, **r}, columns, where, n) for n, r in records]
        except KqlrulesError as error:
            raise IngestionRejected(str(error)) from None
        self.tables[name] = Table(columns, rows + new)
        self._shared = None
        self._index = TimeIndex(self.tables)
        self._empty = EmptyResults()
        return len(new)

    def _shared_engine(self) -> LocalEngine:
        return self._snapshot()[0]

    def _snapshot(self) -> tuple[LocalEngine, TimeIndex, EmptyResults]:
        """The engine with the tables as they are now, and the time index and empty results of the same
        tables (rows that arrive later make new ones)."""
        with self._lock:
            self._pick_up_appended()
            if self._shared is None:
                # Every Log Analytics table has `Type` (its name); a workspace folder's files may omit it.
                self._shared = LocalEngine(self.tables, self._watchlist_schemas(), type_column=True)
            return self._shared, self._index, self._empty

    def _watchlist_schemas(self) -> Any:
        if self._watchlists is None:
            return None
        from kqlrules.kusto import SchemaSet, with_watchlists

        return with_watchlists(SchemaSet(), self._watchlists)


def within(table: Table, start: datetime, end: datetime) -> Table:
    """The rows whose `TimeGenerated` is in [start, end); a table without that column is kept whole."""
    names = table.column_names
    if TIME_COLUMN not in names:
        return table
    index = names.index(TIME_COLUMN)
    rows = [row for row in table.rows if row[index] is not None and start <= row[index] < end]
    return Table(table.columns, rows)
