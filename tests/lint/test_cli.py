"""`kqlrules lint` from the command line: reports, exit codes, and bad input that never stops the run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.kusto import Analyzer, SchemaSet
from kqlrules.lint import LintUnit, file_unit, lint_units

GOOD = "SigninLogs\n| where TimeGenerated > ago(1d)\n| summarize count() by UserPrincipalName\n"
UNKNOWN_COLUMN = "SigninLogs\n| where TimeGenerated > ago(1d)\n| where Nope == 1\n"
NO_KIND = GOOD.replace(
    "| summarize", "| join (SigninLogs | where TimeGenerated > ago(1d)) on IPAddress\n| summarize"
)


def lint(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--repo", str(tmp_path), "lint", *args])


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_errors_exit_1_with_the_place_and_a_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.kql", UNKNOWN_COLUMN)
    result = lint(tmp_path, str(path))
    assert result.exit_code == 1
    assert "3:9: error KS142" in result.output
    assert "| where Nope == 1\n            ^^^^" in result.output


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    path = write(tmp_path, "warn.kql", NO_KIND)
    result = lint(tmp_path, str(path))
    assert result.exit_code == 0 and "KQR007" in result.output


def test_warnings_as_errors_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, "warn.kql", NO_KIND)
    assert lint(tmp_path, str(path), "--warnings-as-errors").exit_code == 1


def test_json_lists_each_finding_and_a_summary(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.kql", UNKNOWN_COLUMN)
    document = json.loads(lint(tmp_path, str(path), "--format", "json").output)
    [finding] = document["findings"]
    assert (finding["code"], finding["line"], finding["col"], finding["end_col"]) == ("KS142", 3, 9, 13)
    assert document["summary"]["error"] == 1


def test_sarif_has_the_shape_github_code_scanning_requires(tmp_path: Path) -> None:
    write(tmp_path, "bad.kql", UNKNOWN_COLUMN)
    write(tmp_path, "warn.kql", NO_KIND)
    out = tmp_path / "lint.sarif"
    result = lint(tmp_path, str(tmp_path), "--format", "sarif", "--output", str(out))
    assert result.exit_code == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kqlrules" and driver["rules"]
    for rule in driver["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    ids = [rule["id"] for rule in driver["rules"]]
    assert {"KS142", "KQR007"} <= set(ids)
    for result_ in run["results"]:
        assert ids[result_["ruleIndex"]] == result_["ruleId"]
        assert result_["level"] in ("error", "warning", "note") and result_["message"]["text"]
        [location] = result_["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    ks142 = next(r for r in run["results"] if r["ruleId"] == "KS142")
    assert ks142["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 9,
        "endColumn": 13,
    }


def test_nul_bytes_are_reported_and_the_other_files_still_linted(tmp_path: Path) -> None:
    write(tmp_path, "a_nul.kql", b"SigninLogs\x00 | take 1")
    write(tmp_path, "b_bad.kql", UNKNOWN_COLUMN)
    result = lint(tmp_path, str(tmp_path))
    assert "NUL" in result.output and "KS142" in result.output and result.exit_code == 1


def test_a_1mb_query_is_refused_with_a_message_and_the_rest_linted(tmp_path: Path) -> None:
    huge = "SigninLogs | where UserPrincipalName in (" + ", ".join(f'"u{i}"' for i in range(160_000)) + ")"
    assert len(huge) > 1_000_000
    write(tmp_path, "a_huge.kql", huge)
    write(tmp_path, "b_bad.kql", UNKNOWN_COLUMN)
    result = lint(tmp_path, str(tmp_path))
    assert "characters; kqlrules lints at most" in result.output and "KS142" in result.output


def test_an_analyzer_killed_mid_run_is_restarted_and_every_file_linted(
    tmp_path: Path, schemas: SchemaSet
) -> None:
    # The death is noticed by the pipe closing (an event), never by a deadline: on a machine at load 20 a
    # restarted analyzer defining the whole schema set can take longer than any short timeout.
    analyzer = Analyzer(timeout=600)
    paths = [write(tmp_path, f"q{i}.kql", UNKNOWN_COLUMN) for i in range(3)]

    def units() -> Iterator[LintUnit]:
        for index, path in enumerate(paths):
            if index == 1:
                assert analyzer.pid is not None
                os.kill(analyzer.pid, signal.SIGKILL)
                while analyzer.pid is not None:  # dead (reaped) before the next query is sent
                    time.sleep(0.01)
            yield file_unit(path)

    with analyzer:
        analyzer.ping()
        run = lint_units(units(), analyzer, schemas)
    assert [finding.code for finding in run.findings] == ["KS142"] * 3


FAKE_NODE = """\
#!{python}
# Speaks the analyzer's protocol; hangs on a query containing HANG, dies on one containing CRASH.
import json, sys, time
for line in sys.stdin:
    request = json.loads(line)
    text = request.get("text", "")
    if "HANG" in text:
        time.sleep(600)
    if "CRASH" in text:
        sys.exit(3)
    answer = {{"id": request["id"], "ok": True, "version": "fake", "diagnostics": [], "result_columns": [],
              "result_type": "table", "tables": [], "functions": []}}
    sys.stdout.write(json.dumps(answer) + "\\n")
    sys.stdout.flush()
"""


@pytest.fixture
def fake_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "node"
    path.write_text(FAKE_NODE.format(python=sys.executable))
    path.chmod(0o755)
    monkeypatch.setenv("KQLRULES_NODE", str(path))
    return path


def units_for(tmp_path: Path, *texts: str) -> list[LintUnit]:
    return [file_unit(write(tmp_path, f"q{i}.kql", text)) for i, text in enumerate(texts)]


def test_a_hung_analyzer_is_killed_that_file_reported_and_the_rest_linted(
    tmp_path: Path, fake_node: Path
) -> None:
    with Analyzer(timeout=1) as analyzer:
        run = lint_units(units_for(tmp_path, "T | HANG", "T | take 1"), analyzer, SchemaSet())
    [finding] = run.findings
    assert finding.code == "KQR000" and "did not answer within 1 s" in finding.message
    assert finding.location.path.endswith("q0.kql") and run.queries == 2


def test_an_analyzer_that_crashes_on_one_query_fails_only_that_file(tmp_path: Path, fake_node: Path) -> None:
    with Analyzer(timeout=10) as analyzer:
        run = lint_units(units_for(tmp_path, "T | take 1", "T | CRASH", "T | take 2"), analyzer, SchemaSet())
    [finding] = run.findings
    assert finding.location.path.endswith("q1.kql") and "died" in finding.message


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = write(tmp_path, "q.kql", GOOD)
    project = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "kqlrules", "--repo", str(tmp_path), "lint", str(path)],
        capture_output=True,
        text=True,
        cwd=project,
        env={**os.environ, **env},
        check=False,
    )


def test_a_missing_npm_package_says_which_command_installs_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli(tmp_path, KQLRULES_ANALYZER_HOME=str(empty))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not installed" in result.stderr and "run `kqlrules setup`" in result.stderr


def test_a_missing_node_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(tmp_path, KQLRULES_NODE=str(tmp_path / "no-such-node"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot run Node.js" in result.stderr and "KQLRULES_NODE" in result.stderr


def test_a_second_run_answers_unchanged_queries_from_the_cache(tmp_path: Path, schemas: SchemaSet) -> None:
    from kqlrules.kusto import AnalysisCache

    paths = [write(tmp_path, "a.kql", UNKNOWN_COLUMN), write(tmp_path, "b.kql", NO_KIND)]
    cache = AnalysisCache(tmp_path / "cache")
    with Analyzer() as analyzer:
        first = lint_units([file_unit(p) for p in paths], analyzer, schemas, cache=cache)
    assert cache.hits == 0
    with Analyzer() as analyzer:
        second = lint_units([file_unit(p) for p in paths], analyzer, schemas, cache=cache)
        assert analyzer.pid is None  # Node was never needed
    assert cache.hits == 2 and second.findings == first.findings


def test_a_finding_with_only_a_line_shows_no_column_zero() -> None:
    # A template error knows its line but not its column: "8:", never "8:0" (columns are 1-based).
    from io import StringIO

    from rich.console import Console

    from kqlrules.errors import Location
    from kqlrules.lint.findings import Finding, Severity
    from kqlrules.lint.report.text import render_text
    from kqlrules.lint.runner import LintRun

    run = LintRun(findings=[Finding("KQR000", Severity.error, "template syntax error", Location("q.kql", 8))])
    out = StringIO()
    render_text(run, Console(file=out, width=200, color_system=None))
    assert "  8: error KQR000 template syntax error" in out.getvalue()
    assert "8:0" not in out.getvalue()
