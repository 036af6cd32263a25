"""`--engine workspace`: the same cases on a Log Analytics workspace (Azure, or the local query-API server).

Each case becomes one query: its fixtures as `let <Table> = datatable(...)`, then the rendered detection.
The workspace runs at its own `now()`, so fixture times move by (now - the case's `now`) on the way in and
result times move back on the way out; expectations then read exactly as they do locally. The Log Analytics
query API allows 5 queries in flight and 200 per 30 s per user; this backend keeps within both and waits
out a 429's Retry-After. A partial result is a failure, never a pass on half the data.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from kqlrules.errors import KqlrulesError
from kqlrules.table import Table
from kqlrules.testing.inject import inject
from kqlrules.testing.runner import PreparedQuery

MAX_IN_FLIGHT = 5
MAX_PER_WINDOW = 200
WINDOW_SECONDS = 30.0
MAX_THROTTLE_RETRIES = 3


class QueryTarget(Protocol):
    """What `kqlrules.workspace.Workspace` offers: a query over an optional time range."""

    def query(self, kql: str, timespan: Any) -> Table: ...


class RateLimiter:
    """At most `per_window` starts in any `window` seconds and `in_flight` at once."""

    def __init__(
        self,
        in_flight: int = MAX_IN_FLIGHT,
        per_window: int = MAX_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._slots = threading.BoundedSemaphore(in_flight)
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self._per_window = per_window
        self._window = window
        self._clock = clock
        self._sleep = sleep

    def __enter__(self) -> RateLimiter:
        self._slots.acquire()
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self._window:
                    self._starts.popleft()
                if len(self._starts) < self._per_window:
                    self._starts.append(now)
                    return self
                wait = self._window - (now - self._starts[0])
            self._sleep(max(wait, 0.01))

    def __exit__(self, *_: object) -> None:
        self._slots.release()


class WorkspaceBackend:
    name = "workspace"
    parallel = MAX_IN_FLIGHT

    def __init__(
        self,
        workspace: QueryTarget,
        *,
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.workspace = workspace
        self.limiter = limiter or RateLimiter(sleep=sleep)
        self._clock = clock
        self._sleep = sleep

    def run(
        self,
        query: PreparedQuery,
        tables: dict[str, Table],
        now: datetime,
        externaldata: Mapping[str, Path | None] | None = None,
    ) -> Table:
        # A workspace reads `externaldata` URLs itself: the case's fixture files are for the local engine.
        shift = self._clock() - now
        text, _ = inject({name: shifted(table, shift) for name, table in tables.items()}, query.text)
        for attempt in range(MAX_THROTTLE_RETRIES + 1):
            try:
                with self.limiter:
                    result = self.workspace.query(text, None)
                return shifted(result, -shift)
            except KqlrulesError as error:
                retry_after = getattr(error, "retry_after", None)
                if type(error).__name__ != "QueryThrottled" or attempt == MAX_THROTTLE_RETRIES:
                    raise
                self._sleep(float(retry_after) if retry_after else 2.0**attempt)
        raise AssertionError("unreachable")


def shifted(table: Table, by: timedelta) -> Table:
    """`table` with every datetime value moved by `by`."""
    if not by:
        return table
    moved = [index for index, column in enumerate(table.columns) if column.type == "datetime"]
    if not moved:
        return table
    rows = []
    for row in table.rows:
        copy = list(row)
        for index in moved:
            if isinstance(copy[index], datetime):
                copy[index] = copy[index] + by
        rows.append(copy)
    return Table(table.columns, rows)
