"""Near-real-time (ingestion-time) windows over the local workspace: a window in which no row of the
narrowed tables was ingested is answered without running the query; one with such a row always runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kqlrules.engine import LocalEngine
from kqlrules.runner.ingestion import ingestion_scoped
from kqlrules.runner.schedule import INGESTION, window_ending
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace
from kqlrules.workspace.ingestion_scope import split_ingestion_scope

T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
QUERY = "Audit | where Operation != '' | project Operation"


def tables() -> dict[str, Table]:
    # Late rows: each is ingested 30 minutes after its TimeGenerated.
    columns = [
        Column("TimeGenerated", "datetime"),
        Column("Operation", "string"),
        Column("_IngestionTime", "datetime"),
    ]
    rows = [[T0 + i * MINUTE, f"op{i}", T0 + (30 + i) * MINUTE] for i in (0, 5)]
    return {"Audit": Table(columns, rows)}


def window_query(end: datetime) -> tuple[str, tuple[datetime, datetime]]:
    window = window_ending(end, MINUTE, INGESTION, timedelta(hours=12), MINUTE)
    return ingestion_scoped(QUERY, ["Audit"], window), window.timespan


def run_without_skipping(kql: str, span: tuple[datetime, datetime]) -> Table:
    return LocalEngine(tables(), type_column=True).query(kql, now=span[1], timespan=span)


def test_the_runner_scope_is_read_back_exactly() -> None:
    kql, _ = window_query(T0 + MINUTE)
    scope = split_ingestion_scope(kql)
    assert scope is not None
    assert (scope.tables, scope.start, scope.end, scope.query) == (("Audit",), T0, T0 + MINUTE, QUERY)
    assert split_ingestion_scope(kql.replace("ingestion_time() <", "ingestion_time() <=")) is None
    assert split_ingestion_scope(QUERY) is None


def test_a_row_ingested_in_the_window_is_always_seen() -> None:
    workspace = LocalWorkspace(tables=tables())
    kql, span = window_query(T0 + 31 * MINUTE)  # op0 is ingested at T0 + 30m
    assert workspace.query(kql, span).rows == run_without_skipping(kql, span).rows == [["op0"]]
    assert workspace.windows_answered_empty == 0


def test_a_window_with_rows_in_its_look_back_but_none_ingested_in_it_is_answered_empty() -> None:
    workspace = LocalWorkspace(tables=tables())
    kql, span = window_query(T0 + 10 * MINUTE)  # both rows' TimeGenerated are in the look-back
    assert workspace.query(kql, span).rows == run_without_skipping(kql, span).rows == []
    assert workspace.windows_answered_empty == 1


def test_every_minute_of_an_hour_agrees_with_running_the_query() -> None:
    workspace = LocalWorkspace(tables=tables())
    for minute in range(1, 60):
        kql, span = window_query(T0 + minute * MINUTE)
        assert workspace.query(kql, span).rows == run_without_skipping(kql, span).rows, minute
    assert workspace.windows_answered_empty == 57
