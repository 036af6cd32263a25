"""`kqlrules test` through the real CLI: summaries, reports, exit codes, and bad input as clear messages."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from tests.testing.conftest import Repo

FIRES = """\
- name: fires
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -5m, UserPrincipalName: a@x.com, IPAddress: 192.0.2.1, ResultType: "0",
         RiskLevelDuringSignIn: high}
  expect:
    alerts: 1
    rows: [{UserPrincipalName: a@x.com, SignIns: 1}]
"""
QUIET = """\
- name: quiet
  now: 2024-05-01T12:00:00Z
  tables:
    SigninLogs:
      - {TimeGenerated: -5m, UserPrincipalName: a@x.com, ResultType: "50126", RiskLevelDuringSignIn: high}
  expect: {no_alerts: true}
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def passing(repo: Repo) -> Repo:
    repo.detection()
    repo.tests(FIRES + QUIET)
    return repo


def test_a_passing_pack_exits_0_with_a_summary(passing: Repo) -> None:
    code, out, _ = invoke("test")
    assert code == 0
    assert "identity/risky" in out and "2 passed" in out


def test_a_failing_case_prints_expected_against_actual_and_exits_1(passing: Repo) -> None:
    passing.tests(FIRES.replace("SignIns: 1", "SignIns: 5") + QUIET)
    code, _, err = invoke("test")
    assert code == 1
    assert "FAILED identity/risky :: fires" in err
    assert '- {UserPrincipalName: "a@x.com", SignIns: 5}' in err
    assert '+ {UserPrincipalName: "a@x.com", SignIns: 1}' in err


def test_json_report(passing: Repo) -> None:
    code, out, _ = invoke("test", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    assert report["summary"] == {"passed": 2, "failed": 0, "error": 0, "skipped": 0}
    assert [r["case"] for r in report["results"]] == ["fires", "quiet"]


def test_junit_report_has_one_suite_per_detection(passing: Repo) -> None:
    code, out, _ = invoke("test", "--format", "junit")
    suites = ET.fromstring(out)
    assert code == 0 and suites.get("tests") == "2"
    [suite] = suites.findall("testsuite")
    assert suite.get("name") == "identity/risky"
    assert [case.get("name") for case in suite] == ["fires", "quiet"]


def test_a_detection_needs_a_case_that_fires_and_one_that_must_not(repo: Repo) -> None:
    repo.detection()
    repo.tests(FIRES)
    code, _, err = invoke("test")
    assert code == 1
    assert "identity/risky needs 1 case(s) that must not fire (has 0)" in err
    assert invoke("test", "--min-cases", "0")[0] == 0


def test_an_unknown_detection_name_is_a_clear_error(passing: Repo) -> None:
    code, _, err = invoke("test", "risk")
    assert code == 1
    assert "no detection 'risk'" in err and "did you mean risky" in err


def test_a_test_file_whose_detection_is_gone_is_an_error(passing: Repo) -> None:
    passing.tests(FIRES, name="retired")
    code, _, err = invoke("test")
    assert code == 1
    assert "queries/identity/retired.tests.yaml: test file for unknown detection 'retired'" in err


def test_a_fixture_column_the_table_lacks_names_the_file_and_case(passing: Repo) -> None:
    passing.tests(FIRES.replace("IPAddress:", "IpAddress:") + QUIET)
    code, _, err = invoke("test")
    assert code == 1
    assert (
        'case "fires" (queries/identity/risky.tests.yaml:1:3): table SigninLogs has no column IpAddress'
        in err
    )
    assert 'queries/identity/risky.tests.yaml:5:58: case "fires"' in err


def test_the_summary_counts_errors_as_pytest_does(passing: Repo) -> None:
    passing.tests(FIRES.replace("IPAddress:", "IpAddress:") + QUIET.replace("ResultType:", "ResultTyp:"))
    code, out, _ = invoke("test")
    assert code == 1 and "2 errors in " in out
    passing.tests(FIRES.replace("IPAddress:", "IpAddress:") + QUIET)
    assert "1 passed, 1 error in " in invoke("test")[1]


def test_a_malformed_test_file_is_reported_at_its_line(passing: Repo) -> None:
    passing.tests(FIRES + "- name: broken\n  expect: {alerts: 1\n")
    code, _, err = invoke("test")
    assert code == 1
    assert "queries/identity/risky.tests.yaml:12:" in err and "invalid YAML" in err


def test_mutants_report_the_survivors(passing: Repo) -> None:
    code, out, _ = invoke("test", "--mutants")
    assert code == 1
    assert "survived queries/identity/risky.kql:2:3: drop `where TimeGenerated > ago(1h)`" in out


def test_the_workspace_engine_needs_a_workspace(passing: Repo) -> None:
    code, _, err = invoke("test", "--engine", "workspace")
    assert code == 2 and "--engine workspace needs --workspace" in err  # a usage error


def test_a_detection_that_does_not_load_is_reported_not_skipped(passing: Repo) -> None:
    passing.detection(name="broken", yaml="id: not-a-guid\n")
    passing.tests(FIRES, name="broken")
    code, _, err = invoke("test")
    assert code == 1
    assert "queries/identity/broken.yaml" in err and "unknown detection" not in err


def test_load_problems_are_in_the_json_report(passing: Repo) -> None:
    passing.tests(FIRES, name="retired")
    code, out, _ = invoke("test", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    [problem] = [r for r in report["results"] if r["case"] == "(load)"]
    assert problem["location"] == "queries/identity/retired.tests.yaml"
    assert "test file for unknown detection 'retired'" in problem["error"]


def test_format_is_accepted_before_or_after_the_command(passing: Repo) -> None:
    before = invoke("--format", "json", "test")
    after = invoke("test", "--format", "json")
    assert before[0] == after[0] == 0
    assert json.loads(before[1])["summary"] == json.loads(after[1])["summary"]


def test_sarif_has_no_results_when_every_case_passes(passing: Repo) -> None:
    code, out, _ = invoke("test", "--format", "sarif")
    assert code == 0
    document = json.loads(out)
    assert document["version"] == "2.1.0" and document["runs"][0]["results"] == []


def test_a_format_the_command_does_not_write_is_a_usage_error(passing: Repo) -> None:
    code, _, err = invoke("test", "--format", "markdown")
    flat = " ".join(err.replace("│", " ").split())  # rich boxes and wraps the message
    assert code == 2 and "test writes text, json, junit, sarif, not markdown" in flat


def test_sarif_points_at_the_failed_expectation(passing: Repo) -> None:
    passing.tests(FIRES.replace("SignIns: 1", "SignIns: 5") + QUIET)
    code, out, _ = invoke("test", "--format", "sarif")
    assert code == 1
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "test-failed" and result["level"] == "error"
    assert "identity/risky::fires" in result["message"]["text"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("risky.tests.yaml")
    assert location["region"]["startLine"] > 0
