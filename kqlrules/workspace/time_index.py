"""Whether a table of a local workspace has a row in a time range, without running a query.

A query's `timespan` limits every table's `TimeGenerated` to [start, end) (`kqlrules.workspace.local`), so a
table with no `TimeGenerated` in that range is empty to the query. Each table's times are sorted once (on
first use) and looked up by bisection. A table without that column is not limited by a timespan: it has
rows in any range when it has rows at all. A `TimeGenerated` that is not a datetime answers "has rows"
(unsure: the query decides). Ingestion times are indexed the same way: a row's `ingestion_time()` is its
`_IngestionTime` where its table has that datetime column, else its `TimeGenerated`, as the engine reads it
(`kqlrules.engine.translation.special_calls`).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping
from datetime import UTC, datetime

from kqlrules.table import Table

TIME_COLUMN = "TimeGenerated"
INGESTION_COLUMN = "_IngestionTime"


class TimeIndex:
    def __init__(self, tables: Mapping[str, Table]) -> None:
        self._tables = dict(tables)
        # (table, ingestion?) -> sorted times; None: rows in every range
        self._times: dict[tuple[str, bool], list[datetime] | None] = {}
        self._lock = threading.Lock()

    def has_rows(self, table: str, start: datetime, end: datetime) -> bool:
        """Whether `table` has a row the timespan [start, end) keeps (a table not here has none)."""
        return _any_in(self._sorted_times(table, ingestion=False), start, end)

    def has_ingested(self, table: str, start: datetime, end: datetime) -> bool:
        """Whether `table` has a row whose ingestion time is in [start, end)."""
        return _any_in(self._sorted_times(table, ingestion=True), start, end)

    def _sorted_times(self, name: str, *, ingestion: bool) -> list[datetime] | None:
        with self._lock:
            key = (name, ingestion)
            if key not in self._times:
                self._times[key] = _times_of(self._tables.get(name), ingestion)
            return self._times[key]


def _any_in(times: list[datetime] | None, start: datetime, end: datetime) -> bool:
    if times is None:
        return True
    first = bisect.bisect_left(times, _utc(start))
    return first < len(times) and times[first] < _utc(end)


def _times_of(table: Table | None, ingestion: bool) -> list[datetime] | None:
    if table is None or not table.rows:
        return []
    names = table.column_names
    column = TIME_COLUMN
    if ingestion and any(c.name == INGESTION_COLUMN and c.type == "datetime" for c in table.columns):
        column = INGESTION_COLUMN
    if column not in names:
        return None
    at = names.index(column)
    times = []
    for row in table.rows:
        value = row[at]
        if value is None:
            continue  # a null TimeGenerated is in no range (the query's limit drops it too)
        if not isinstance(value, datetime):
            return None
        times.append(_utc(value))
    times.sort()
    return times


def _utc(moment: datetime) -> datetime:
    """Aware UTC (a naive time is taken as UTC, as the engine takes it)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
