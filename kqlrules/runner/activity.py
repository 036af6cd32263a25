"""Which tables of a workspace have rows in which minutes, asked of the workspace itself in KQL, so that the
runner can tell a quiet window (`kqlrules.runner.quiet`) the same way on Azure as locally:

    union isfuzzy=true withsource=SourceTable SigninLogs, AuditLogs
    | where TimeGenerated >= datetime(A) and TimeGenerated < datetime(B)
    | summarize by SourceTable, Bin = bin(TimeGenerated, 1m)

(and on `ingestion_time()` for ingestion-time windows, one table at a time so that each row's ingestion time
is its table's, with the query's timespan reaching back by the windows' look-back on `TimeGenerated`, as
theirs does). One query answers every window in [A, B); a long range is cut into stretches of at most
`MAX_ROWS` (table, minute) rows, because Log Analytics returns at most 500,000 rows and 64 MB per query
("Azure Monitor service limits", Log queries and language:
https://learn.microsoft.com/azure/azure-monitor/service-limits#log-queries-and-language).

Soundness: activity fetched at time t answers only windows that were due by t (their run time, end + delay, is
not after t). A row can still arrive later with an old `TimeGenerated`, but the window's own query, run at t,
would not have seen it either; an ingestion-time window ends before t, so every row ingested in it has arrived
by t. A window due later makes a new fetch. Activity is kept at the minute: a window touching a minute in
which a table has a row counts as having rows. The union is `isfuzzy` (a table the workspace does not have is
left out, "union operator" in the Kusto reference), so a table that shows no rows is then asked for
(`T | project TimeGenerated | take 0` fails when there is no T, or when T has no `TimeGenerated`, which a
timespan does not limit: such a table has rows in any window). A table whose activity cannot be known
(missing, a refused or failed query, a partial result, a value that is not a datetime) has rows in every
window, so its windows run and fail or succeed as their queries do.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kqlrules.datetimes import format_datetime
from kqlrules.errors import KqlrulesError
from kqlrules.runner.logs import event
from kqlrules.runner.schedule import EPOCH, INGESTION, align_down
from kqlrules.workspace import Workspace

ACTIVITY_BIN = timedelta(minutes=1)
# (table, minute) rows per query: under the service's 500,000-row limit with room to spare, and at about
# 80 bytes a row far under its 64 MB.
MAX_ROWS = 400_000


@dataclass(frozen=True)
class _Snapshot:
    """What one fetch learned: bins with rows in [start, end) for `tables`, as of `fetched_at`."""

    start: datetime
    end: datetime
    tables: frozenset[str]
    fetched_at: datetime
    lookback: timedelta  # ingestion basis: how far before `start` the fetch's TimeGenerated limit reached
    bins: dict[str, list[datetime]] = field(default_factory=dict)  # table -> sorted bin starts with rows
    unknown: frozenset[str] = frozenset()  # tables whose activity could not be fetched

    def covers(self, table: str, start: datetime, end: datetime, due: datetime, lookback: timedelta) -> bool:
        return (
            table in self.tables
            and self.start <= start
            and end <= self.end
            and due <= self.fetched_at
            and lookback <= self.lookback
        )


class TableActivity:
    """The workspace's activity per table and minute, fetched when a window needs it and kept while it may
    answer (see the module's soundness rule)."""

    def __init__(
        self,
        workspace: Workspace,
        tables: Iterable[str] = (),
        *,
        max_rows: int = MAX_ROWS,
    ) -> None:
        """`tables`: the tables to ask about in every fetch (a table asked about later joins them)."""
        self._workspace = workspace
        self._tables = set(tables)
        self._bin = ACTIVITY_BIN
        self._max_rows = max_rows
        self._snapshots: dict[str, _Snapshot] = {}  # basis -> the newest fetch
        # basis -> (start, look-back) the next fetch reaches back to at least (`expect`)
        self._expected: dict[str, tuple[datetime, timedelta]] = {}
        self.queries = 0  # activity queries sent (for tests and the benchmark)

    def expect(self, basis: str, start: datetime, lookback: timedelta = timedelta(0)) -> None:
        """Windows back to `start` will be asked about (a catch-up's oldest): the next fetch covers them
        too, rather than widening fetch by fetch."""
        low = align_down(start, self._bin)
        old = self._expected.get(basis)
        self._expected[basis] = (low, lookback) if old is None else (min(old[0], low), max(old[1], lookback))

    def has_rows(
        self,
        table: str,
        basis: str,
        start: datetime,
        end: datetime,
        *,
        due: datetime,
        now: datetime,
        lookback: timedelta = timedelta(0),
    ) -> bool:
        """Whether `table` may have a row whose `basis` time (`TimeGenerated` or ingestion time) is in
        [start, end), for a window due at `due`, asked at `now` (the runner's clock); True when unsure.
        `lookback`: an ingestion-time window's reach back on `TimeGenerated` from `start`."""
        if due > now:
            return True  # not due yet: nothing fetched now may answer it
        low = align_down(start, self._bin)
        snapshot = self._snapshots.get(basis)
        if snapshot is None or not snapshot.covers(table, low, end, due, lookback):
            snapshot = self._fetch(basis, table, low, end, now, lookback, snapshot)
        if table in snapshot.unknown:
            return True
        bins = snapshot.bins.get(table, [])
        first = bisect.bisect_left(bins, low)
        return first < len(bins) and bins[first] < end

    def _fetch(
        self,
        basis: str,
        table: str,
        start: datetime,
        end: datetime,
        now: datetime,
        lookback: timedelta,
        previous: _Snapshot | None,
    ) -> _Snapshot:
        self._tables.add(table)
        if previous is not None and previous.fetched_at == now:
            # The same moment (a catch-up, where every window is due at once): widen, never narrow.
            start = min(start, previous.start)
            end = max(end, previous.end)
            lookback = max(lookback, previous.lookback)
        expected = self._expected.pop(basis, None)
        if expected is not None:
            start, lookback = min(start, expected[0]), max(lookback, expected[1])
        end = max(end, _align_up(now, self._bin))
        tables = sorted(self._tables)
        if basis == INGESTION:
            # A table at a time: a row's ingestion time is its table's (not a union's result's).
            bins, unknown = {}, set()
            for name in tables:
                found, missing = self._ask(basis, [name], start, end, lookback)
                bins.update(found)
                unknown |= missing
        else:
            bins, unknown = self._ask(basis, tables, start, end, lookback)
            # A fuzzy union skips a table the workspace does not have: one without rows is checked to exist.
            unknown |= {n for n in tables if n not in unknown and not bins.get(n) and not self._has(n)}
        snapshot = _Snapshot(start, end, frozenset(tables), now, lookback, bins, frozenset(unknown))
        self._snapshots[basis] = snapshot
        return snapshot

    def _has(self, table: str) -> bool:
        """Whether the workspace has `table`, with a `TimeGenerated` (asking for what is not there fails)."""
        self.queries += 1
        try:
            self._workspace.query(f"{table} | project TimeGenerated | take 0", (EPOCH, EPOCH))
        except KqlrulesError as error:
            event("table activity unknown", logging.INFO, tables=table, error=str(error))
            return False
        return True

    def _ask(
        self, basis: str, tables: Sequence[str], start: datetime, end: datetime, lookback: timedelta
    ) -> tuple[dict[str, list[datetime]], set[str]]:
        """Bins with rows per table over [start, end), stretch by stretch; every table unknown when a
        stretch fails."""
        found: dict[str, set[datetime]] = {name: set() for name in tables}
        stretch = self._bin * max(1, self._max_rows // len(tables))
        at = start
        while at < end:
            upto = min(end, at + stretch)
            kql = activity_query(basis, tables, at, upto)
            # Ingestion-time windows keep rows back to their start minus the look-back, up to their end:
            # the whole range's timespan, so a window cut by a stretch's edge still sees its rows.
            timespan = (start - lookback, end) if basis == INGESTION else (at, upto)
            self.queries += 1
            try:
                result = self._workspace.query(kql, timespan)
            except KqlrulesError as error:
                event("table activity unknown", logging.INFO, tables=",".join(tables), error=str(error))
                return {}, set(tables)
            for row in result.rows:
                name, moment = row[0], row[1]
                if name not in found or not isinstance(moment, datetime):
                    return {}, set(tables)
                found[name].add(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
            at = upto
        return {name: sorted(moments) for name, moments in found.items()}, set()


def activity_query(basis: str, tables: Sequence[str], start: datetime, end: datetime) -> str:
    """The query for (table, minute) rows: one fuzzy union on `TimeGenerated`; one table on ingestion time."""
    low, high = format_datetime(start), format_datetime(end)
    if basis == INGESTION:
        (table,) = tables
        return (
            f"{table}\n"
            f"| where ingestion_time() >= datetime({low}) and ingestion_time() < datetime({high})\n"
            f'| summarize by SourceTable = "{table}", Bin = bin(ingestion_time(), 1m)'  # ACTIVITY_BIN
        )
    return (
        f"union isfuzzy=true withsource=SourceTable {', '.join(tables)}\n"
        f"| where TimeGenerated >= datetime({low}) and TimeGenerated < datetime({high})\n"
        f"| summarize by SourceTable, Bin = bin(TimeGenerated, 1m)"  # ACTIVITY_BIN
    )


def _align_up(moment: datetime, size: timedelta) -> datetime:
    down = align_down(moment, size)
    return down if down == moment else down + size
