"""`LocalWorkspace` with the real local KQL engine: the timespan and `now()` behave as on the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kqlrules.table import Column, Table
from kqlrules.workspace import AzureWorkspace, LocalCredential, LocalWorkspace, now_is_timespan_end
from kqlrules.workspace.local import within

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


def test_one_workspace_answers_each_window_with_its_own_rows() -> None:
    shared = workspace()
    query = "Events | summarize n = count(), earliest = min(Account)"
    assert shared.query(query, (T0, T0 + timedelta(minutes=4))).rows == [[4, "user0"]]
    assert shared.query(query, (T0 + timedelta(minutes=6), T0 + timedelta(hours=1))).rows == [[4, "user6"]]
    assert shared.query(query, None).rows == [[10, "user0"]]


def test_the_timespan_reaches_tables_read_inside_mv_apply_and_joins() -> None:
    query = (
        "Watchlist | extend a = pack_array(Account) "
        "| mv-apply x = a on (extend who = tostring(x)) "
        "| join kind=inner (Events) on Account | summarize n = count()"
    )
    assert workspace().query(query, (T0 + timedelta(minutes=2), T0 + timedelta(hours=1))).rows == [[1]]


def test_only_azure_itself_needs_the_window_end_written_into_the_query() -> None:
    assert now_is_timespan_end(workspace())
    assert now_is_timespan_end(AzureWorkspace("w", LocalCredential("unused"), "http://127.0.0.1:8080"))
    assert not now_is_timespan_end(AzureWorkspace("w", LocalCredential("unused")))
