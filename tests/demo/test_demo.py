"""The demo end to end: the runner, the local query-API server and LogsQueryClient over the sample week.

A few detections (not the whole pack) keep it quick; the stories naming only them must come out right."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from kqlrules.demo import DemoResult, run_demo
from kqlrules.rules import load_repository
from kqlrules.runner import WindowTemplate

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHOSEN = {"password_spray", "mfa_disabled", "account_disabled", "risky_signin"}

# Every window of the sample week (about 2,700 query windows, a minute of CPU): a whole-corpus sweep, the
# second step of `make test` (see the Makefile).
pytestmark = pytest.mark.sweep


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    repo = load_repository(PROJECT_ROOT)
    chosen = dataclasses.replace(repo, detections=[d for d in repo.detections if d.name in CHOSEN])
    assert {d.name for d in chosen.detections} == CHOSEN
    out = tmp_path_factory.mktemp("demo")
    return run_demo(chosen, out, render=lambda d: WindowTemplate(d).scheduled())


def test_every_window_of_the_week_runs(result: DemoResult) -> None:
    assert result.summary.windows_failed == 0
    assert result.summary.windows_completed >= 4 * 7 * 24


def test_the_stories_of_the_chosen_detections_are_caught(result: DemoResult) -> None:
    relevant = [c for c in result.checks if set(c.story.fires) & CHOSEN]
    assert {c.story.name for c in relevant} >= {"password_spray", "mfa_method_deleted", "account_disabled"}
    # Only the chosen detections ran: a story's other detections are not expected here.
    assert [c.story.name for c in relevant if set(c.missed) & CHOSEN] == []


def test_look_alikes_stay_quiet(result: DemoResult) -> None:
    quiet = [c for c in result.checks if set(c.story.must_not_fire) & CHOSEN]
    assert quiet, "the sample has look-alikes for password spray"
    assert [c.story.name for c in quiet if c.false_positives] == []


def test_precision_is_counted_per_detection_on_stories_and_background(result: DemoResult) -> None:
    scores = {entry.detection: entry for entry in result.scores}
    assert set(scores) == CHOSEN
    assert all(entry.on_stories > 0 for entry in scores.values())
    assert sum(entry.alerts for entry in scores.values()) == len(result.alerts)
    # The spray detection has look-alikes and a week of typos around it, and stays quiet on them.
    assert scores["password_spray"].false_alerts == 0


def test_the_alerts_file_holds_each_alert_once(result: DemoResult) -> None:
    lines = result.alerts_file.read_text(encoding="utf-8").splitlines()
    keys = [json.loads(line)["idempotency_key"] for line in lines]
    assert len(keys) == len(set(keys)) == len(result.alerts) > 0


def test_a_second_demo_run_starts_afresh(result: DemoResult, tmp_path: Path) -> None:
    repo = load_repository(PROJECT_ROOT)
    one = dataclasses.replace(repo, detections=[d for d in repo.detections if d.name == "risky_signin"])
    first = run_demo(one, tmp_path, render=lambda d: WindowTemplate(d).scheduled())
    again = run_demo(one, tmp_path, render=lambda d: WindowTemplate(d).scheduled())
    assert len(again.alerts) == len(first.alerts) > 0


def test_the_next_steps_it_prints_run_as_printed(result: DemoResult) -> None:
    # The demo ends by saying what to try next; each of those commands works on the week it wrote.
    import shlex

    from typer.testing import CliRunner

    from kqlrules.cli.demo import next_steps
    from kqlrules.cli.main import app

    lines = [line.split("#")[0].strip() for line in next_steps(result).splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("kqlrules ")]
    assert [args[0] for args in commands] == ["query", "backtest", "init"]
    for args in commands[:2]:  # init writes a folder; the two that read the week:
        outcome = CliRunner().invoke(app, ["--repo", str(PROJECT_ROOT), *args])
        assert outcome.exit_code == 0, outcome.output
    assert "identity/password_spray" in outcome.output


def test_quiet_windows_answered_without_a_query_give_the_alerts_every_query_gives(tmp_path: Path) -> None:
    repo = load_repository(PROJECT_ROOT)
    one = dataclasses.replace(repo, detections=[d for d in repo.detections if d.name == "mfa_disabled"])
    render = lambda d: WindowTemplate(d).scheduled()  # noqa: E731
    answered = run_demo(one, tmp_path / "answered", render=render)
    every = run_demo(one, tmp_path / "every", render=render, answer_quiet_windows=False)
    assert answered.windows_answered_empty > 0
    assert answered.windows_answered_quietly > 0  # by the runner, before any query was sent
    assert every.windows_answered_empty == 0
    assert answered.summary.windows_completed == every.summary.windows_completed
    assert every.alerts
    assert sorted(json.dumps(a, sort_keys=True) for a in answered.alerts) == sorted(
        json.dumps(a, sort_keys=True) for a in every.alerts
    )
