"""The pytest plugin: detection cases as pytest items, opt-in so other projects' collection is unchanged."""

from __future__ import annotations

import os

import pytest

from kqlrules.kusto.install import analyzer_home
from tests.conftest import PROJECT_ROOT
from tests.testing.conftest import RISKY_KQL, RISKY_YAML, SIGNIN_SCHEMA

ANALYZER_HOME = analyzer_home()  # before pytester moves HOME
CASES = """\
- name: fires
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -10m, UserPrincipalName: a@x.com, ResultType: "0", RiskLevelDuringSignIn: high}
  expect: {alerts: 1}
- name: stays quiet
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -10m, UserPrincipalName: a@x.com, ResultType: "50126", RiskLevelDuringSignIn: high}
  expect: {no_alerts: true}
"""


@pytest.fixture
def detection_repo(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # Load only the plugin under test, whether or not kqlrules is installed with its entry point.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    # pytester moves HOME; the analyzer stays where it was installed.
    monkeypatch.setenv("KQLRULES_ANALYZER_HOME", str(ANALYZER_HOME))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]))
    pytester.makefile(".yaml", **{"schemas/SigninLogs": SIGNIN_SCHEMA})
    pytester.makefile(".yaml", **{"queries/identity/risky": RISKY_YAML})
    pytester.makefile(".kql", **{"queries/identity/risky": RISKY_KQL})
    pytester.makefile(".tests.yaml", **{"queries/identity/risky": CASES})
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A separate process: each run has its own analyzer and DuckDB connection, as a real run does.
    return pytester.runpytest_subprocess("-p", "kqlrules.testing.pytest_plugin", *args)


def test_a_detection_repository_has_its_cases_collected(detection_repo: pytest.Pytester) -> None:
    detection_repo.makefile(".toml", kqlrules="")
    result = run(detection_repo, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*risky.tests.yaml::fires", "*risky.tests.yaml::stays quiet"])


def test_other_projects_collect_nothing_new(detection_repo: pytest.Pytester) -> None:
    result = run(detection_repo)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_ini_option_turns_collection_off(detection_repo: pytest.Pytester) -> None:
    detection_repo.makefile(".toml", kqlrules="")
    detection_repo.makeini("[pytest]\nkqlrules = false\n")
    assert run(detection_repo).ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_flag_collects_and_runs_cases_and_a_failure_shows_its_diff(
    detection_repo: pytest.Pytester,
) -> None:
    detection_repo.makefile(
        ".tests.yaml", **{"queries/identity/risky": CASES.replace("alerts: 1", "alerts: 2")}
    )
    result = run(detection_repo, "--kqlrules")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*risky.tests.yaml:6:11: expected 2 alert(s), got 1*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_test_file_without_its_detection_is_a_collection_error(detection_repo: pytest.Pytester) -> None:
    detection_repo.makefile(".tests.yaml", **{"queries/identity/risk": CASES})
    result = run(detection_repo, "--kqlrules")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test file for unknown detection 'risk'*"])
    result.stdout.no_fnmatch_line("*Traceback*")
