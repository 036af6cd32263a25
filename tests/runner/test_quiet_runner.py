"""Quiet windows answered by the runner (`kqlrules.runner.quiet`): no query is sent for a window whose result
is provably empty, every other window runs, and the state, alerts and sinks cannot tell the difference."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kqlrules.kusto import SchemaSet
from kqlrules.runner import FileSink, Runner, RunnerConfig, RunnerState, ScheduledDetection, SimulatedClock
from kqlrules.runner.activity import TableActivity
from kqlrules.runner.quiet import QuietWindows
from kqlrules.runner.schedule import INGESTION, Window, window_ending
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace, Timespan
from kqlrules.workspace.time_index import TimeIndex
from tests.runner.conftest import DAY, detection

MINUTE = timedelta(minutes=1)
SIGNIN_COLUMNS = [
    Column("TimeGenerated", "datetime"),
    Column("UserPrincipalName", "string"),
    Column("ResultType", "string"),
]


class Counting:
    """A workspace that sends every query to a local workspace that runs it (no skipping of its own), and
    keeps the detection queries it was sent (not the runner's activity queries)."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.local = LocalWorkspace(tables=tables, answer_quiet_windows=False)
        self.sent: list[tuple[str, Timespan]] = []
        self.activity = 0

    def query(self, kql: str, timespan: Timespan) -> Table:
        if "SourceTable" in kql or kql.endswith("| take 0"):
            self.activity += 1
        else:
            self.sent.append((kql, timespan))
        return self.local.query(kql, timespan)


def schemas(*names: str) -> SchemaSet:
    out = SchemaSet()
    for name in names:
        out.add_table(name, [(c.name, c.type) for c in SIGNIN_COLUMNS])
    return out


def signin(at: datetime, user: str = "ann@contoso.com", result: str = "50126") -> list[Any]:
    return [at, user, result]


def run(
    tmp_path: Path,
    workspace: Counting,
    detections: list[ScheduledDetection],
    *,
    quiet: bool,
    hours: int = 3,
    schema: SchemaSet | None = None,
    **config: Any,
) -> tuple[Runner, list[str], RunnerState]:
    folder = tmp_path / ("quiet" if quiet else "every")
    state = RunnerState(folder / "state.db")
    sink = FileSink("file", folder / "alerts.jsonl")
    answerer = QuietWindows(workspace, schema or schemas("SigninLogs")) if quiet else None
    runner = Runner(
        detections,
        workspace,
        state,
        [sink],
        clock=SimulatedClock(DAY + timedelta(hours=hours)),
        config=RunnerConfig(since=DAY, once=True, delay=timedelta(0), **config),
        quiet=answerer,
    )
    runner.run()
    sink.close()
    lines = sorted((folder / "alerts.jsonl").read_text().splitlines())
    return runner, lines, state


def test_a_window_with_a_row_in_range_is_never_skipped(tmp_path: Path) -> None:
    # Rows at a window's first instant, its last microsecond, and exactly at a window's end (the next one's).
    rows = [
        signin(DAY + timedelta(minutes=10)),
        signin(DAY + timedelta(minutes=35) - timedelta(microseconds=1), "bob@contoso.com"),
        signin(DAY + timedelta(hours=2), "cy@contoso.com"),
    ]
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, rows)})
    runner, alerts, state = run(tmp_path, workspace, [detection("failed")], quiet=True)
    queried = {span for _, span in workspace.sent}
    for start_minute in (10, 30, 120):
        start = DAY + timedelta(minutes=start_minute)
        assert (start, start + timedelta(minutes=5)) in queried
    assert len(workspace.sent) == 3
    assert runner.summary.windows_completed == 36
    assert runner.summary.answered_quietly == 33
    assert len(alerts) == 3
    assert workspace.activity == 1  # one fetch answered every window due at the start
    state.close()


def test_the_state_and_the_alerts_are_the_same_with_and_without_quiet_windows(tmp_path: Path) -> None:
    rows = [signin(DAY + timedelta(minutes=m), f"u{m % 2}@contoso.com") for m in (3, 4, 61, 62, 150)]
    tables = {"SigninLogs": Table(SIGNIN_COLUMNS, rows)}
    detections = [
        detection("failed", suppress_for="1h"),
        detection("hourly", schedule={"frequency": "1h", "period": "1h"}),
    ]
    quiet_runner, quiet_alerts, quiet_state = run(tmp_path, Counting(tables), detections, quiet=True)
    every_runner, every_alerts, every_state = run(tmp_path, Counting(tables), detections, quiet=False)
    assert quiet_alerts == every_alerts and quiet_alerts
    assert [(s.id, s.last_window_end, s.next_run_at, s.failures) for s in quiet_state.statuses()] == [
        (s.id, s.last_window_end, s.next_run_at, s.failures) for s in every_state.statuses()
    ]
    assert quiet_state.alert_count() == every_state.alert_count()
    assert quiet_runner.summary.windows_completed == every_runner.summary.windows_completed
    assert quiet_runner.summary.suppressed == every_runner.summary.suppressed
    assert quiet_runner.summary.answered_quietly > 0 and every_runner.summary.answered_quietly == 0
    quiet_state.close()
    every_state.close()


def test_a_trigger_that_fires_on_zero_rows_fires_on_a_window_answered_without_a_query(tmp_path: Path) -> None:
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, [signin(DAY + timedelta(minutes=7))])})
    silence = detection(
        "no_signins",
        "SigninLogs | project TimeGenerated, UserPrincipalName, ResultType",
        trigger={"operator": "eq", "threshold": 0},
        schedule={"frequency": "1h", "period": "1h"},
    )
    runner, alerts, state = run(tmp_path, workspace, [silence], quiet=True)
    assert runner.summary.answered_quietly == 2  # hours 2 and 3; hour 1 has the row and runs
    assert len(workspace.sent) == 1
    assert len(alerts) == 2
    state.close()


def nrt_tables() -> dict[str, Table]:
    # Rows ingested late: a row's TimeGenerated is 30 minutes before it was ingested.
    columns = [*SIGNIN_COLUMNS, Column("_IngestionTime", "datetime")]
    rows = [[DAY + m * MINUTE, "ann@contoso.com", "50126", DAY + (m + 30) * MINUTE] for m in (5, 40)]
    return {"SigninLogs": Table(columns, rows)}


def test_an_ingestion_time_window_with_a_row_ingested_in_it_runs(tmp_path: Path) -> None:
    workspace = Counting(nrt_tables())
    nrt = detection("nrt", sentinel={"kind": "NRT"}, tables=["SigninLogs"])
    runner, alerts, state = run(tmp_path, workspace, [nrt], quiet=True, hours=2)
    ingested_in = {span[1] - MINUTE for _, span in workspace.sent if isinstance(span, tuple)}
    assert ingested_in == {DAY + 35 * MINUTE, DAY + 70 * MINUTE}
    assert runner.summary.windows_completed == 120
    assert runner.summary.answered_quietly == 118
    assert len(alerts) == 2
    # Not a window of the rows' TimeGenerated: there the look-back holds them, but nothing was ingested.
    assert DAY + 6 * MINUTE not in ingested_in
    state.close()


def test_a_query_the_proof_cannot_vouch_for_is_sent(tmp_path: Path) -> None:
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, [])})
    # `print` makes a row from nothing: the proof cannot vouch for an empty result.
    made = detection("made", 'print UserPrincipalName = "x", ResultType = "0" | where ResultType == "1"')
    runner, _, state = run(tmp_path, workspace, [made], quiet=True, hours=1)
    assert runner.summary.answered_quietly == 0
    assert len(workspace.sent) == 12
    state.close()


def test_a_table_the_workspace_does_not_have_runs_and_fails_as_its_query_does(tmp_path: Path) -> None:
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, [])})
    missing = detection("missing", 'AuditLogs | where ResultType == "1"')
    runner, _, state = run(
        tmp_path, workspace, [missing], quiet=True, hours=1, schema=schemas("SigninLogs", "AuditLogs")
    )
    assert runner.summary.answered_quietly == 0
    assert runner.summary.windows_failed == 1
    state.close()


def test_activity_fetched_at_a_time_answers_only_windows_due_by_then() -> None:
    folder_tables = {"SigninLogs": Table(SIGNIN_COLUMNS, [])}
    workspace = Counting(folder_tables)
    activity = TableActivity(workspace)
    window = Window(DAY, DAY + 5 * MINUTE)
    first = DAY + 5 * MINUTE
    assert not activity.has_rows(
        "SigninLogs", "TimeGenerated", window.start, window.end, due=first, now=first
    )
    workspace.local.append(
        "SigninLogs", [{"TimeGenerated": "2024-05-01T00:01:00Z", "UserPrincipalName": "x"}]
    )
    # Asked again at the same time: the fetch made then answers (the window's query would not see it).
    assert not activity.has_rows(
        "SigninLogs", "TimeGenerated", window.start, window.end, due=first, now=first
    )
    assert workspace.activity == 2  # the union, and whether the table without rows is there
    # A window due later than that fetch is answered by a new one, which sees the late row.
    later = first + MINUTE
    assert activity.has_rows("SigninLogs", "TimeGenerated", window.start, window.end, due=later, now=later)
    assert workspace.activity == 3
    # A window not due yet is never answered.
    assert activity.has_rows("SigninLogs", "TimeGenerated", DAY, DAY + MINUTE, due=later + MINUTE, now=later)


@pytest.mark.parametrize(("max_rows", "queries"), [(60, 24), (400_000, 1)])
def test_long_ranges_are_fetched_in_stretches_that_give_the_same_answers(max_rows: int, queries: int) -> None:
    rows = [signin(DAY + timedelta(minutes=m)) for m in (0, 59, 61, 300, 1439)]
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, rows)})
    activity = TableActivity(workspace, max_rows=max_rows)
    now = DAY + timedelta(days=1)

    def busy(minute: int) -> bool:
        start = DAY + minute * MINUTE
        return activity.has_rows("SigninLogs", "TimeGenerated", start, start + MINUTE, due=now, now=now)

    assert [m for m in range(1440) if busy(m)] == [0, 59, 61, 300, 1439]
    # At most `max_rows` (table, minute) rows a query (Log Analytics returns at most 500,000).
    assert workspace.activity == queries


def test_a_window_touching_a_busy_minute_counts_as_busy() -> None:
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, [signin(DAY + timedelta(seconds=90))])})
    activity = TableActivity(workspace)
    now = DAY + timedelta(hours=1)
    # [00:01:30.5, 00:01:45) has no row, but touches the minute 00:01 that has one: unsure, so it runs.
    start = DAY + timedelta(seconds=90, milliseconds=500)
    end = DAY + timedelta(seconds=105)
    assert activity.has_rows("SigninLogs", "TimeGenerated", start, end, due=now, now=now)
    assert not activity.has_rows("SigninLogs", "TimeGenerated", DAY + 2 * MINUTE, now, due=now, now=now)


def test_an_ingestion_window_is_judged_on_ingestion_time() -> None:
    workspace = Counting(nrt_tables())
    activity = TableActivity(workspace)
    now = DAY + timedelta(hours=2)
    lookback = timedelta(hours=12)

    def ingested(minute: int) -> bool:
        window = window_ending(DAY + (minute + 1) * MINUTE, MINUTE, INGESTION, lookback, MINUTE)
        return activity.has_rows(
            "SigninLogs", INGESTION, window.start, window.end, due=window.end, now=now, lookback=lookback
        )

    assert [m for m in range(120) if ingested(m)] == [35, 70]
    assert workspace.activity == 1


def test_a_table_the_workspace_lacks_fails_only_its_own_activity() -> None:
    rows = [signin(DAY + timedelta(minutes=3))]
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, rows)})
    activity = TableActivity(workspace, ["SigninLogs", "NoSuchTable"])
    now = DAY + timedelta(hours=1)
    assert activity.has_rows("NoSuchTable", "TimeGenerated", DAY, DAY + MINUTE, due=now, now=now)
    assert not activity.has_rows("SigninLogs", "TimeGenerated", DAY, DAY + MINUTE, due=now, now=now)
    assert activity.has_rows("SigninLogs", "TimeGenerated", DAY, DAY + 5 * MINUTE, due=now, now=now)
    assert workspace.activity == 2  # the fuzzy union, then whether the table without rows is there
    later = now + MINUTE
    assert activity.has_rows("NoSuchTable", "TimeGenerated", DAY, DAY + MINUTE, due=later, now=later)
    assert workspace.activity == 4


def test_one_fetch_covers_every_detections_first_window(tmp_path: Path) -> None:
    workspace = Counting({"SigninLogs": Table(SIGNIN_COLUMNS, [signin(DAY + timedelta(minutes=3))])})
    detections = [
        detection("five_minutes"),
        detection("two_hours_back", schedule={"frequency": "1h", "period": "2h"}),
        detection("nrt", sentinel={"kind": "NRT"}, tables=["SigninLogs"]),
    ]
    runner, _, state = run(tmp_path, workspace, detections, quiet=True)
    assert runner.summary.answered_quietly > 0
    assert workspace.activity == 2  # one on TimeGenerated, one on ingestion time
    state.close()


def test_ingestion_activity_agrees_with_the_workspace_for_tables_with_and_without_ingestion_times() -> None:
    # A has its own ingestion times (one row late); B's ingestion time is its TimeGenerated.
    late = Table(
        [Column("TimeGenerated", "datetime"), Column("X", "string"), Column("_IngestionTime", "datetime")],
        [[DAY + 5 * MINUTE, "a", DAY + 40 * MINUTE], [DAY + 7 * MINUTE, "b", DAY + 7 * MINUTE]],
    )
    on_time = Table([Column("TimeGenerated", "datetime"), Column("Y", "string")], [[DAY + 20 * MINUTE, "c"]])
    tables = {"A": late, "B": on_time}
    activity = TableActivity(Counting(tables), ["A", "B"])
    index = TimeIndex(tables)
    now = DAY + timedelta(hours=2)
    for table in ("A", "B"):
        for minute in range(60):
            start, end = DAY + minute * MINUTE, DAY + (minute + 1) * MINUTE
            said = activity.has_rows(
                table, INGESTION, start, end, due=now, now=now, lookback=timedelta(hours=12)
            )
            assert said == index.has_ingested(table, start, end), (table, minute)


def test_a_table_without_time_generated_has_rows_in_every_window() -> None:
    # A timespan does not limit a table without TimeGenerated: any row of it is in every window.
    tables = {
        "SigninLogs": Table(SIGNIN_COLUMNS, [signin(DAY)]),
        "Lookup": Table([Column("Name", "string")], [["x"]]),
    }
    activity = TableActivity(Counting(tables), ["SigninLogs", "Lookup"])
    now = DAY + timedelta(hours=1)
    assert activity.has_rows("Lookup", "TimeGenerated", DAY + 30 * MINUTE, now, due=now, now=now)
    assert not activity.has_rows("SigninLogs", "TimeGenerated", DAY + 30 * MINUTE, now, due=now, now=now)
