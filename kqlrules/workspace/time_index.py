"""Whether a table of a local workspace has a row in a time range, without running a query.

A query's `timespan` limits every table's `TimeGenerated` to [start, end) (`kqlrules.workspace.local`), so a
table with no `TimeGenerated` in that range is empty to the query. Each table's times are sorted once (on
first use) and looked up by bisection. A table without that column is not limited by a timespan: it has
rows in any range when it has rows at all. A `TimeGenerated` that is not a datetime answers "has rows"
(unsure: the query decides).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping
from datetime import UTC, datetime

from kqlrules.table import Table

TIME_COLUMN = "TimeGenerated"


class TimeIndex:
    def __init__(self, tables: Mapping[str, Table]) -> None:
        self._tables = dict(tables)
        self._times: dict[str, list[datetime] | None] = {}  # None: rows in every range
        self._lock = threading.Lock()

    def has_rows(self, table: str, start: datetime, end: datetime) -> bool:
        """Whether `table` has a row the timespan [start, end) keeps (a table not here has none)."""
        times = self._sorted_times(table)
        if times is None:
            return True
        first = bisect.bisect_left(times, _utc(start))
        return first < len(times) and times[first] < _utc(end)

    def _sorted_times(self, name: str) -> list[datetime] | None:
        with self._lock:
            if name not in self._times:
                self._times[name] = _times_of(self._tables.get(name))
            return self._times[name]


def _times_of(table: Table | None) -> list[datetime] | None:
    if table is None or not table.rows:
        return []
    names = table.column_names
    if TIME_COLUMN not in names:
        return None
    at = names.index(TIME_COLUMN)
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
