"""Quiet windows: a window whose result is provably empty is answered by the runner itself, before any query
is sent (`Runner(..., quiet=QuietWindows(...))`).

The proof is the local workspace's (`kqlrules.engine.empty_result`), made here on an engine that holds only
the repository's schemas (every table empty): the engine translates the rendered query and names the tables
its result rows can come from, the plan has no run-time guards, the query run once over an empty timespan
returns no rows, and none of those tables has a row in the window, as the workspace's activity tells
(`kqlrules.runner.activity`, fetched in KQL: the same on Azure as locally). For an ingestion-time window the
tables the runner narrows (`kqlrules.runner.ingestion`) are judged on their ingestion time in the window,
the others on `TimeGenerated` in the window's timespan, as the query API limits them. When anything is
unsure (a query the engine cannot translate or refuses, a guard, rows over the empty timespan, activity that
could not be fetched), the window's query is sent as usual.

The window is then evaluated and recorded like a queried one, with the empty result's columns: a rule that
fires on zero rows still alerts.
"""

from __future__ import annotations

from datetime import datetime

from kqlrules.engine import EmptyResults, LocalEngine
from kqlrules.kusto import SchemaSet
from kqlrules.rules import Detection
from kqlrules.runner.activity import TableActivity
from kqlrules.runner.ingestion import scoped_tables
from kqlrules.runner.schedule import GENERATED, INGESTION, Window
from kqlrules.table import Table
from kqlrules.workspace import Workspace


class QuietWindows:
    def __init__(self, workspace: Workspace, schemas: SchemaSet, tables: tuple[str, ...] = ()) -> None:
        """`schemas`: the repository's (`kqlrules.kusto.resolve_schemas`, watchlists included); `tables`:
        the tables to ask the workspace about in each activity fetch (others are added as windows read
        them)."""
        # Every Log Analytics table has `Type`, `_ResourceId`, `_SubscriptionId`, as the workspace's engine
        # assumes too.
        self._engine = LocalEngine(schemas=schemas, type_column=True)
        self.activity = TableActivity(workspace, tables)
        self._empty = EmptyResults()

    def expect(self, window: Window) -> None:
        """`window` (a detection's first) will be asked about: fetch activity back to it at once."""
        self.activity.expect(GENERATED, window.timespan[0])
        if window.basis == INGESTION:
            self.activity.expect(INGESTION, window.start, window.lookback)

    def empty_result(
        self, detection: Detection, window: Window, kql: str, *, due: datetime, now: datetime
    ) -> Table | None:
        """The window's (empty) result when it is provably empty, else None (the query must run). `kql` is
        the query as the detection rendered it for the window (before any ingestion scope), `due` the
        window's run time, `now` the runner's clock."""
        narrowed = set(scoped_tables(kql, detection.tables)) if window.basis == INGESTION else set()

        def active(table: str) -> bool:
            if table in narrowed:
                return self.activity.has_rows(
                    table, INGESTION, window.start, window.end, due=due, now=now, lookback=window.lookback
                )
            return self.activity.has_rows(table, GENERATED, *window.timespan, due=due, now=now)

        return self._empty.known_empty(self._engine, kql, window.end, active)
