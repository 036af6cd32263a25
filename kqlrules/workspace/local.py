"""A workspace in a folder: table files (`<Table>.jsonl|.csv|.parquet`) answered by the local KQL engine.

Like the service, a query's `timespan` limits every table's `TimeGenerated` (start inclusive, end exclusive)
before the query sees it, and `now()`/`ago()` are evaluated at the timespan's end, so a window replayed later
(or on a simulated clock) gives the same answer as when it was live.
"""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from kqlrules.errors import KqlrulesError, Location
from kqlrules.table import Table
from kqlrules.workspace.protocol import Timespan, resolve_timespan

TIME_COLUMN = "TimeGenerated"
_CACHED_ENGINES = 16


class _Engine(Protocol):
    def query(self, kql: str, now: datetime | None = None) -> Table: ...


class _WindowedEngine(Protocol):
    def query(
        self, kql: str, now: datetime | None = None, timespan: tuple[datetime, datetime] | None = None
    ) -> Table: ...


def _engine_module(needs: str) -> Any:
    # Imported on first use: the engine room is optional for everything else in this package.
    module = importlib.import_module("kqlrules.engine")
    if not hasattr(module, needs):
        raise KqlrulesError(f"the local KQL engine in this build has no {needs} yet")
    return module


EngineFactory = Callable[[dict[str, Table]], _Engine]


class LocalWorkspace:
    """`engine` builds the engine over the (time-limited) tables; the default is the local KQL engine."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        tables: dict[str, Table] | None = None,
        engine: EngineFactory | None = None,
        watchlists: Path | None = None,
    ) -> None:
        """`watchlists` is a detection repository whose `watchlists/*.csv` `_GetWatchlist` reads here, as
        the watchlists `kqlrules deploy` creates in Sentinel are read there."""
        if tables is None:
            if folder is None or not folder.is_dir():
                raise KqlrulesError(
                    "not a workspace folder",
                    Location.of(folder or "."),
                    hint="a folder of <Table>.jsonl files",
                )
            tables = _engine_module("load_workspace_folder").load_workspace_folder(folder)
        self.folder = folder
        self._watchlists = watchlists
        self.tables: dict[str, Table] = dict(tables or {})
        # The local engine limits tables to a timespan in SQL: one engine, its tables loaded once. Another
        # engine (a test's) gets its tables cut to each window instead.
        self._shared: _WindowedEngine | None = None
        self._new_engine: EngineFactory = engine or _engine_module("LocalEngine").LocalEngine
        self._windows_in_sql = engine is None
        self._engines: OrderedDict[tuple[datetime, datetime] | None, _Engine] = OrderedDict()
        self._lock = threading.Lock()

    def query(self, kql: str, timespan: Timespan) -> Table:
        now = datetime.now(UTC)
        span = resolve_timespan(timespan, now)
        if self._windows_in_sql:
            return self._shared_engine().query(kql, now=span[1] if span else now, timespan=span)
        with self._lock:
            engine = self._engine_for(span)
            return engine.query(kql, now=span[1] if span else now)

    def _shared_engine(self) -> _WindowedEngine:
        with self._lock:
            if self._shared is None:
                # Every Log Analytics table has `Type` (its name); a workspace folder's files may omit it.
                self._shared = _engine_module("LocalEngine").LocalEngine(
                    self.tables, self._watchlist_schemas(), type_column=True
                )
            return self._shared

    def _watchlist_schemas(self) -> Any:
        if self._watchlists is None:
            return None
        from kqlrules.kusto import SchemaSet
        from kqlrules.kusto.schemas import with_watchlists

        return with_watchlists(SchemaSet(), self._watchlists)

    def _engine_for(self, span: tuple[datetime, datetime] | None) -> _Engine:
        # Runs of many detections share windows: one engine per recent window, not one per query.
        engine = self._engines.get(span)
        if engine is None:
            tables = self.tables if span is None else {n: within(t, *span) for n, t in self.tables.items()}
            engine = self._new_engine(tables)
            self._engines[span] = engine
            if len(self._engines) > _CACHED_ENGINES:
                self._engines.popitem(last=False)
        else:
            self._engines.move_to_end(span)
        return engine


def within(table: Table, start: datetime, end: datetime) -> Table:
    """The rows whose `TimeGenerated` is in [start, end); a table without that column is kept whole."""
    names = table.column_names
    if TIME_COLUMN not in names:
        return table
    index = names.index(TIME_COLUMN)
    rows = [row for row in table.rows if row[index] is not None and start <= row[index] < end]
    return Table(table.columns, rows)
