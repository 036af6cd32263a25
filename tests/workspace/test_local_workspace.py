"""`LocalWorkspace` with the real local KQL engine: the timespan and `now()` behave as on the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import kqlrules.engine
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace
from kqlrules.workspace.local import within

pytestmark = pytest.mark.skipif(
    not hasattr(kqlrules.engine, "LocalEngine"), reason="the local KQL engine is not on this branch yet"
)
T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)


def workspace() -> LocalWorkspace:
    events = Table(
        [Column("TimeGenerated", "datetime"), Column("Account", "string")],
        [[T0 + timedelta(minutes=i), f"user{i}"] for i in range(10)],
    )
    watchlist = Table([Column("Account", "string")], [["user1"], ["user8"]])
    return LocalWorkspace(tables={"Events": events, "Watchlist": watchlist})


def test_the_timespan_limits_time_generated_start_inclusive_end_exclusive() -> None:
    result = workspace().query(
        "Events | summarize n = count()", (T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))
    )
    assert result.rows == [[3]]


def test_now_is_the_end_of_the_timespan() -> None:
    window = (T0, T0 + timedelta(minutes=10))
    result = workspace().query("Events | where TimeGenerated > ago(3m) | summarize n = count()", window)
    assert result.rows == [[2]]  # minutes 8 and 9


def test_a_table_without_time_generated_is_not_limited() -> None:
    assert within(Table([Column("Account", "string")], [["a"]]), T0, T0).rows == [["a"]]
    result = workspace().query("Watchlist | summarize n = count()", (T0, T0 + timedelta(minutes=1)))
    assert result.rows == [[2]]
