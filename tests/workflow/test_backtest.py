"""`kqlrules backtest`: the runner's windows replayed over a past interval of the sample tenant."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kqlrules.rules import find_detection, load_repository
from kqlrules.runner.schedule import template_params
from kqlrules.workflow.backtest import windows_between
from kqlrules.workflow.backtest_report import sparkline
from kqlrules.workspace import LocalWorkspace, WorkspaceServer
from tests.workflow.conftest import invoke

# Story mfa_fatigue: eight denied prompts for grady.archie from Sat 11-07 05:20, then an approval.
STORY_DAY = "2026-11-07"


@pytest.fixture(scope="module")
def replay(
    sample_tenant: Path, project_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    html = tmp_path_factory.mktemp("report") / "backtest.html"
    code, stdout, stderr = invoke(
        "--repo", str(project_root), "--format", "json", "backtest", "mfa_fatigue",
        "--from", "2026-11-06T20:00Z", "--to", "2026-11-07T08:00Z",
        "--workspace", f"local:{sample_tenant}", "--html", str(html),
    )  # fmt: skip
    assert code == 0, stderr
    report = json.loads(stdout)
    report["html"] = html.read_text(encoding="utf-8")
    return report


def test_every_window_of_the_schedule_in_the_interval_runs(replay: dict[str, Any]) -> None:
    [detection] = replay["detections"]
    assert detection["detection"] == "identity/mfa_fatigue"
    assert detection["windows"] == 12


def test_the_story_alerts_on_its_day_and_on_no_other(replay: dict[str, Any]) -> None:
    [detection] = replay["detections"]
    assert detection["alerts_per_day"] == [
        {"day": "2026-11-06", "alerts": 0},
        {"day": STORY_DAY, "alerts": 1},
    ]
    assert detection["first_alerts"][0]["window_end"] == "2026-11-07T06:00:00Z"


def test_the_top_entities_come_from_the_entity_mappings(replay: dict[str, Any]) -> None:
    [detection] = replay["detections"]
    entities = {(e["type"], tuple(e["identifiers"].items())) for e in detection["top_entities"]}
    assert entities == {
        ("Account", (("FullName", "grady.archie@contoso.com"),)),
        ("IP", (("Address", "192.0.2.45"),)),
    }


def test_the_html_report_is_self_contained_with_an_svg_chart(replay: dict[str, Any]) -> None:
    page = replay["html"]
    assert "<svg" in page and f"{STORY_DAY}: 1 alert(s)" in page
    external = re.findall(r"""(?:src|href)=["']?(?!#)([^"' >]+)""", page)
    assert external == []
    assert "<script" not in page


def test_the_terminal_report_has_a_sparkline_per_detection(sample_tenant: Path, project_root: Path) -> None:
    code, stdout, _ = invoke(
        "--repo", str(project_root), "backtest", "mfa_fatigue",
        "--from", "2026-11-06T23:00Z", "--to", "2026-11-07T06:00Z", "--workspace", f"local:{sample_tenant}",
    )  # fmt: skip
    assert code == 0
    assert "▁█" in stdout
    assert "grady.archie@contoso.com" in stdout


def test_an_unknown_detection_is_a_clear_error(sample_tenant: Path, project_root: Path) -> None:
    code, stdout, stderr = invoke(
        "--repo", str(project_root), "backtest", "mfa_fatigu",
        "--from", "2026-11-06", "--to", "2026-11-07", "--workspace", f"local:{sample_tenant}",
    )  # fmt: skip
    assert code == 1
    assert "no detection 'mfa_fatigu'" in stderr and "did you mean mfa_fatigue" in stderr
    assert "Traceback" not in stdout + stderr


def test_from_after_to_is_a_clear_error(sample_tenant: Path, project_root: Path) -> None:
    code, _, stderr = invoke(
        "--repo", str(project_root), "backtest", "mfa_fatigue",
        "--from", "2026-11-08", "--to", "2026-11-07", "--workspace", f"local:{sample_tenant}",
    )  # fmt: skip
    assert code == 1
    assert "--from 2026-11-08T00:00:00Z is not before --to 2026-11-07T00:00:00Z" in stderr


def test_a_date_that_is_not_iso_8601_is_a_clear_error(project_root: Path) -> None:
    code, _, stderr = invoke(
        "--repo", str(project_root), "backtest", "mfa_fatigue",
        "--from", "last week", "--to", "2026-11-07", "--workspace", "local:.",
    )  # fmt: skip
    assert code == 2
    assert "--from 'last week' is not an ISO 8601 date" in stderr


def test_windows_end_on_multiples_of_the_frequency_after_the_start() -> None:
    start = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)
    windows = windows_between(timedelta(hours=1), timedelta(hours=2), start, start + timedelta(hours=2))
    assert [(w.start.hour, w.end.hour) for w in windows] == [(23, 1), (0, 2)]


def test_a_sparkline_shows_any_alert_above_a_day_without() -> None:
    assert sparkline([0, 1, 100, 0]) == "▁▂█▁"
    assert sparkline([0, 0]) == "▁▁"


def small_repo(root: Path, name: str, query: str, **extra: str) -> Path:
    folder = root / "queries" / "x"
    folder.mkdir(parents=True, exist_ok=True)
    number = len(list(folder.glob("*.yaml"))) + 1
    meta = (
        f"id: 5d1c5f7e-0f6a-4c1e-9b8e-{number:012d}\nname: {name}\nseverity: Low\n"
        "schedule: {frequency: 1h, period: 1h}\ntrigger: {operator: gt, threshold: 0}\n"
    ) + "".join(f"{key}: {value}\n" for key, value in extra.items())
    (folder / f"{name}.yaml").write_text(meta)
    (folder / f"{name}.kql").write_text(query)
    return root


@pytest.fixture
def tiny_workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "SigninLogs.jsonl").write_text('{"TimeGenerated": "2026-11-05T10:00:00Z", "ResultType": "0"}\n')
    return folder


def test_suppress_for_holds_back_repeats_as_the_runner_would(tmp_path: Path, tiny_workspace: Path) -> None:
    repo = small_repo(tmp_path, "every_window", "print Marker = 1\n", suppress_for="3h")
    code, stdout, _ = invoke(
        "--repo", str(repo), "--format", "json", "backtest", "every_window",
        "--from", "2026-11-05T00:00Z", "--to", "2026-11-05T12:00Z", "--workspace", f"local:{tiny_workspace}",
    )  # fmt: skip
    [detection] = json.loads(stdout)["detections"]
    assert (detection["windows_fired"], detection["alerts"], detection["suppressed"]) == (12, 4, 8)
    assert code == 0


def test_a_failing_query_names_the_window_and_template_line_and_exits_1(
    tmp_path: Path, tiny_workspace: Path
) -> None:
    repo = small_repo(tmp_path, "broken", "SigninLogs\n| where NoSuchColumn == 1\n")
    code, stdout, stderr = invoke(
        "--repo", str(repo), "backtest", "broken",
        "--from", "2026-11-05T00:00Z", "--to", "2026-11-05T02:00Z", "--workspace", f"local:{tiny_workspace}",
    )  # fmt: skip
    assert code == 1
    assert "window [2026-11-05T00:00:00Z, 2026-11-05T01:00:00Z)" in stderr
    assert "broken.kql:2:" in stderr and "NoSuchColumn" in stderr
    assert "Traceback" not in stdout + stderr


def test_the_environment_names_the_workspace_and_the_query_api_answers(
    tmp_path: Path, tiny_workspace: Path
) -> None:
    repo = small_repo(tmp_path, "successes", 'SigninLogs\n| where ResultType == "0"\n')
    (repo / "kqlrules.toml").write_text(
        '[environments.lab]\nworkspace_id = "00000000-0000-0000-0000-000000000001"\n'
    )
    with WorkspaceServer(LocalWorkspace(tiny_workspace)) as server:
        code, stdout, stderr = invoke(
            "--repo", str(repo), "--format", "json", "backtest", "successes", "--env", "lab",
            "--endpoint", server.url, "--from", "2026-11-05T08:00Z", "--to", "2026-11-05T12:00Z",
        )  # fmt: skip
    assert code == 0, stderr
    [detection] = json.loads(stdout)["detections"]
    assert (detection["windows"], detection["alerts"]) == (4, 1)
    assert detection["first_alerts"][0]["window_end"] == "2026-11-05T11:00:00Z"


def test_on_azure_the_templates_ago_counts_back_from_the_window_end(project_root: Path) -> None:
    detection = find_detection(load_repository(project_root), "mfa_fatigue")
    window = windows_between(timedelta(hours=1), timedelta(hours=1), datetime(2026, 11, 7, 5, tzinfo=UTC),
                             datetime(2026, 11, 7, 6, tzinfo=UTC))[0]  # fmt: skip
    anchored = detection.render(template_params(window, anchor_now=True)).text
    assert "ago(" not in anchored and "2026-11-07T06:00:00" in anchored
    assert "ago(1h)" in detection.render(template_params(window, anchor_now=False)).text
