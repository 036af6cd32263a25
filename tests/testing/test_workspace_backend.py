"""The workspace backend keeps within the query API's limits and moves times to the workspace's clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kqlrules.errors import KqlrulesError
from kqlrules.table import Column, Table
from kqlrules.testing.runner import PreparedQuery
from kqlrules.testing.workspace_backend import RateLimiter, WorkspaceBackend, shifted


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_limiter_waits_for_the_window_once_it_is_full() -> None:
    clock = FakeClock()
    limiter = RateLimiter(in_flight=5, per_window=3, window=30.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        with limiter:
            clock.now += 1.0
    with limiter:
        pass
    assert clock.slept == [27.0]


def test_the_limiter_allows_five_in_flight() -> None:
    limiter = RateLimiter(in_flight=2, per_window=100)
    limiter.__enter__()
    limiter.__enter__()
    third = threading.Thread(target=limiter.__enter__, daemon=True)
    third.start()
    third.join(timeout=0.2)
    assert third.is_alive()
    limiter.__exit__()
    third.join(timeout=5)
    assert not third.is_alive()


def test_shifting_moves_only_datetimes() -> None:
    table = Table([Column("T", "datetime"), Column("N", "long")], [[datetime(2024, 1, 1, tzinfo=UTC), 1]])
    moved = shifted(table, timedelta(hours=1))
    assert moved.rows == [[datetime(2024, 1, 1, 1, tzinfo=UTC), 1]]


class QueryThrottled(KqlrulesError):
    retry_after = 1.5


class Recorder:
    """A stand-in for a workspace that answers with the datatable it was sent."""

    def __init__(self, fail_first: int = 0) -> None:
        self.queries: list[str] = []
        self.fail_first = fail_first

    def query(self, kql: str, timespan: Any) -> Table:
        self.queries.append(kql)
        if len(self.queries) <= self.fail_first:
            raise QueryThrottled("throttled (429)")
        return Table([Column("TimeGenerated", "datetime")], [[datetime(2030, 1, 1, 11, tzinfo=UTC)]])


def test_times_go_to_the_workspace_clock_and_come_back() -> None:
    workspace = Recorder()
    backend = WorkspaceBackend(workspace, clock=lambda: datetime(2030, 1, 1, 12, tzinfo=UTC))
    case_now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    table = Table([Column("TimeGenerated", "datetime")], [[case_now - timedelta(hours=1)]])
    result = backend.run(PreparedQuery("T", ("T",)), {"T": table}, case_now)
    assert "datetime(2030-01-01T11:00:00.000000Z)" in workspace.queries[0]
    assert result.rows == [[case_now - timedelta(hours=1)]]


def test_a_throttled_query_waits_for_retry_after_then_retries() -> None:
    clock = FakeClock()
    workspace = Recorder(fail_first=2)
    backend = WorkspaceBackend(workspace, sleep=clock.sleep)
    backend.run(PreparedQuery("T", ()), {}, datetime(2024, 5, 1, tzinfo=UTC))
    assert len(workspace.queries) == 3 and clock.slept == [1.5, 1.5]


def test_throttling_that_does_not_end_is_an_error() -> None:
    backend = WorkspaceBackend(Recorder(fail_first=10), sleep=lambda _: None)
    with pytest.raises(QueryThrottled):
        backend.run(PreparedQuery("T", ()), {}, datetime(2024, 5, 1, tzinfo=UTC))
