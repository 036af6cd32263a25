"""A local workspace answers a window whose tables hold no row in range without running the query, only
when the result is then surely empty; it always runs it when a table the rows come from has a row in range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace

T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)


def tables() -> dict[str, Table]:
    events = Table(
        [Column("TimeGenerated", "datetime"), Column("Account", "string")],
        [[T0 + timedelta(minutes=10 * i), f"user{i}"] for i in range(6)],  # 10:00 .. 10:50
    )
    audit = Table(
        [Column("TimeGenerated", "datetime"), Column("Account", "string")],
        [[T0 + 3 * HOUR, "admin"]],
    )
    watchlist = Table([Column("Account", "string")], [["user1"], ["admin"]])
    return {"Events": events, "Audit": audit, "Watchlist": watchlist}


def run_without_skipping(kql: str, span: tuple[datetime, datetime]) -> Table:
    return LocalEngine(tables(), type_column=True).query(kql, now=span[1], timespan=span)


QUIET = (T0 + HOUR, T0 + 2 * HOUR)  # no table has a row in it
EMPTY_BY_PROOF = [
    "Events | where Account != '' | project Account",
    "Events | summarize n = count() by Account",
    "union Events, Audit | extend a = strlen(Account)",
    "let e = Events | where TimeGenerated > ago(1h); e | join kind=inner (Watchlist) on Account",
    "Events | join kind=leftouter (print Account = 'x') on Account",
    "Events | where Account in ((Watchlist | project Account)) | top 3 by TimeGenerated",
]


@pytest.mark.parametrize("kql", EMPTY_BY_PROOF)
def test_a_quiet_window_is_answered_without_running_the_query_and_the_same(kql: str) -> None:
    workspace = LocalWorkspace(tables=tables())
    answered = workspace.query(kql, QUIET)
    assert workspace.windows_answered_empty == 1
    expected = run_without_skipping(kql, QUIET)
    assert answered.rows == expected.rows == []
    assert answered.columns == expected.columns


ROWS_FROM_NOTHING = [
    "Events | summarize n = count()",  # one row over no input
    "Events | count",
    "print x = 1",
    "union Events, (datatable(Account: string)['x'])",
    "Events | join kind=rightouter (Watchlist) on Account",
    "Events | join kind=fullouter (Watchlist) on Account",
    "Watchlist | where Account != ''",  # not limited by the timespan
    "range x from 1 to 2 step 1",
    "let f = () { Events | summarize count() }; f()",
    "union Ev* | summarize count()",
]


@pytest.mark.parametrize("kql", ROWS_FROM_NOTHING)
def test_a_query_that_makes_rows_from_no_rows_runs_over_a_quiet_window(kql: str) -> None:
    workspace = LocalWorkspace(tables=tables())
    answered = workspace.query(kql, QUIET)
    assert workspace.windows_answered_empty == 0
    assert answered.rows == run_without_skipping(kql, QUIET).rows != []


@pytest.mark.parametrize(
    ("kql", "span"),
    [
        # a row exactly at the window's start (the start is inclusive)
        ("Events | project Account", (T0 + timedelta(minutes=50), T0 + HOUR)),
        # a row in range in one leg of a union only
        ("union Events, Audit | project Account", (T0 + 3 * HOUR, T0 + 4 * HOUR)),
        # a row in range on the kept side of a right join
        ("Events | join kind=rightouter (Audit) on Account", (T0 + 3 * HOUR, T0 + 4 * HOUR)),
        ("let a = Audit; Events | join kind=rightsemi (a) on Account", (T0 + 3 * HOUR, T0 + 4 * HOUR)),
    ],
)
def test_a_window_with_a_row_in_range_is_always_run(kql: str, span: tuple[datetime, datetime]) -> None:
    workspace = LocalWorkspace(tables=tables())
    expected = run_without_skipping(kql, span)
    assert workspace.query(kql, span).rows == expected.rows
    assert workspace.windows_answered_empty == 0


def test_the_window_end_is_exclusive_for_the_index_as_for_the_query() -> None:
    workspace = LocalWorkspace(tables=tables())
    span = (T0 - HOUR, T0)  # Events' first row is at T0: not in [T0 - 1h, T0)
    assert workspace.query("Events | project Account", span).rows == []
    assert workspace.windows_answered_empty == 1


def test_rows_that_arrive_make_a_quiet_window_run_again() -> None:
    workspace = LocalWorkspace(tables=tables())
    kql = "Events | project Account"
    assert workspace.query(kql, QUIET).rows == []
    assert workspace.windows_answered_empty == 1
    late = T0 + timedelta(minutes=90)
    workspace.append("Events", [{"TimeGenerated": late.isoformat(), "Account": "late"}])
    assert workspace.query(kql, QUIET).rows == [["late"]]
    assert workspace.windows_answered_empty == 1


def test_every_window_of_a_day_agrees_with_running_the_query() -> None:
    workspace = LocalWorkspace(tables=tables())
    queries = EMPTY_BY_PROOF + ROWS_FROM_NOTHING[:3]
    for hour in range(-2, 6):
        span = (T0 + hour * HOUR, T0 + (hour + 1) * HOUR)
        for kql in queries:
            # As multisets: summarize, union and join leave the row order open (Kusto promises none).
            answered, expected = workspace.query(kql, span).rows, run_without_skipping(kql, span).rows
            assert sorted(map(repr, answered)) == sorted(map(repr, expected)), (kql, hour)
    assert workspace.windows_answered_empty > 0


def test_a_query_without_a_timespan_always_runs() -> None:
    workspace = LocalWorkspace(tables=tables())
    assert len(workspace.query("Events | project Account", None).rows) == 6
    assert workspace.windows_answered_empty == 0


def test_a_query_in_error_is_reported_as_when_it_runs() -> None:
    from kqlrules.engine import KqlEngineError

    workspace = LocalWorkspace(tables=tables())
    with pytest.raises(KqlEngineError):
        workspace.query("Events | where NoSuchColumn == 1", QUIET)
