"""Late-arriving rows: NRT detections cut their windows on ingestion time, so a row is alerted exactly once
however late it arrives; the local workspace keeps each row's ingestion time and picks up new rows."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kqlrules.runner import Runner, RunnerConfig, RunnerState, SimulatedClock, open_sink
from kqlrules.runner.schedule import Window, template_params
from kqlrules.table import Column, Table
from kqlrules.workspace import LocalWorkspace, WorkspaceServer
from tests.runner.conftest import DAY, FAILED_SIGNINS, detection

LAGS = {
    "ontime@contoso.com": timedelta(0),
    "five@contoso.com": timedelta(minutes=5),
    "hour@contoso.com": timedelta(hours=1),
}
COLUMNS = [
    Column("TimeGenerated", "datetime"),
    Column("UserPrincipalName", "string"),
    Column("ResultType", "string"),
    Column("_IngestionTime", "datetime"),
]


def late_signins() -> Table:
    """A failed sign-in per user at 00:10:30, ingested 0 s, 5 min and 1 h later; noise that succeeded."""
    at = DAY + timedelta(minutes=10, seconds=30)
    rows: list[list[object]] = [[at, user, "50126", at + lag] for user, lag in LAGS.items()]
    rows += [
        [at + timedelta(minutes=m), "noise@contoso.com", "0", at + timedelta(minutes=m)] for m in range(60)
    ]
    return Table(COLUMNS, rows)


def test_rows_arriving_0s_5min_and_1h_late_are_each_alerted_exactly_once(tmp_path: Path) -> None:
    workspace = LocalWorkspace(tables={"SigninLogs": late_signins()})
    nrt = detection("nrt", query=FAILED_SIGNINS, sentinel={"kind": "NRT"})
    state = RunnerState(tmp_path / "state.db")
    path = tmp_path / "alerts.jsonl"
    # Twice, with a restart in between, to show the windows resume where they were.
    for hours in (1, 3):
        sink = open_sink(f"file:{path}")
        config = RunnerConfig(once=True, since=DAY)
        clock = SimulatedClock(DAY + timedelta(hours=hours))
        summary = Runner([nrt], workspace, state, [sink], clock=clock, config=config).run()
        sink.close()
        assert summary.ok
    state.close()
    alerts = [json.loads(line) for line in path.read_text().splitlines()]
    users = [a["entities"][0]["FullName"] for a in alerts]
    assert sorted(users) == sorted(LAGS)
    by_user = {a["entities"][0]["FullName"]: a for a in alerts}
    # Each in the one-minute window of its ingestion time.
    for user, lag in LAGS.items():
        arrived = DAY + timedelta(minutes=10, seconds=30) + lag
        assert by_user[user]["window"]["start"] == arrived.replace(second=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert by_user[user]["first_event"] == "2024-05-01T00:10:30Z"


def test_an_nrt_detection_runs_every_minute_over_ingestion_time_windows(tmp_path: Path) -> None:
    workspace = LocalWorkspace(tables={"SigninLogs": late_signins()})
    seen: list[Window] = []
    nrt = detection("nrt", query=FAILED_SIGNINS, sentinel={"kind": "NRT"})

    def render(window: Window) -> str:
        seen.append(window)
        return FAILED_SIGNINS

    state = RunnerState(tmp_path / "state.db")
    config = RunnerConfig(once=True, since=DAY)
    runner = Runner(
        [type(nrt)(nrt.meta, render)],
        workspace,
        state,
        [],
        clock=SimulatedClock(DAY + timedelta(minutes=30)),
        config=config,
    )
    assert runner.run().windows_completed == 30
    state.close()
    assert {w.end - w.start for w in seen} == {timedelta(minutes=1)}
    assert {w.basis for w in seen} == {"ingestion_time"}
    params = template_params(seen[0], anchor_now=False)
    assert params["window_frequency"] == timedelta(minutes=1) and params["window_basis"] == "ingestion_time"
    assert seen[0].timespan[0] == seen[0].start - timedelta(hours=12)


def test_rows_appended_to_a_jsonl_file_are_picked_up_and_stamped_on_arrival(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    file = folder / "SigninLogs.jsonl"
    first = {"TimeGenerated": "2024-05-01T00:01:00Z", "UserPrincipalName": "a", "ResultType": "0"}
    file.write_text(json.dumps(first) + "\n")
    workspace = LocalWorkspace(folder)
    query = "SigninLogs | extend In = ingestion_time() | project UserPrincipalName, In"
    span = (DAY, DAY + timedelta(days=1))
    assert workspace.query(query, span).rows == [["a", DAY + timedelta(minutes=1)]]
    before = datetime.now(UTC)
    with file.open("a") as handle:
        handle.write(json.dumps({**first, "UserPrincipalName": "b"}) + "\n")
        handle.write('{"TimeGenerated": "2024-05-01T00:02:00Z", "UserPr')  # still being written
    rows = workspace.query(query, span).rows
    assert [r[0] for r in rows] == ["a", "b"]
    assert rows[0][1] == DAY + timedelta(minutes=1) and before <= rows[1][1] <= datetime.now(UTC)
    with file.open("a") as handle:
        handle.write('incipalName": "c", "ResultType": "0", "_IngestionTime": "2024-05-01T03:00:00Z"}\n')
    assert workspace.query(query, span).rows[2] == ["c", DAY + timedelta(hours=3)]


def post(url: str, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data, {"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_local_server_takes_rows_as_the_logs_ingestion_api_does(tmp_path: Path) -> None:
    workspace = LocalWorkspace(tables={"SigninLogs": late_signins()})
    row = {
        "TimeGenerated": "2024-05-01T02:00:00Z",
        "UserPrincipalName": "new@contoso.com",
        "ResultType": "50126",
    }
    with WorkspaceServer(workspace) as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        url = f"{server.url}/dataCollectionRules/dcr-0000/streams/Custom-SigninLogs?api-version=2023-01-01"
        before = datetime.now(UTC)
        assert post(url, [row], headers)[0] == 204
        bad_stream = post(url.replace("Custom-SigninLogs", "SigninLogs"), [row], headers)
        unknown = post(url, [{**row, "Nope": 1}], headers)
        not_a_list = post(url, row, headers)
        anonymous = post(url, [row], {})
    assert (bad_stream[0], unknown[0], not_a_list[0]) == (400, 400, 400)
    assert "Nope" in unknown[1]["error"]["message"]
    assert anonymous[0] == 401
    got = workspace.query(
        'SigninLogs | where UserPrincipalName == "new@contoso.com" | project In = ingestion_time()',
        (DAY, DAY + timedelta(days=1)),
    ).rows
    assert len(got) == 1 and before <= got[0][0] <= datetime.now(UTC)


@pytest.mark.parametrize("query", ["let x = 1; print x", "// only a comment"])
def test_an_nrt_query_whose_table_is_unknown_asks_for_tables(tmp_path: Path, query: str) -> None:
    workspace = LocalWorkspace(tables={"SigninLogs": late_signins()})
    state = RunnerState(tmp_path / "state.db")
    nrt = detection("nrt", query=query, sentinel={"kind": "NRT"})
    config = RunnerConfig(once=True, since=DAY)
    summary = Runner(
        [nrt], workspace, state, [], clock=SimulatedClock(DAY + timedelta(minutes=1)), config=config
    ).run()
    assert summary.windows_failed == 1
    assert "tables:" in (state.statuses()[0].last_error or "")
    state.close()
