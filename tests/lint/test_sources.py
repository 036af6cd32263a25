"""Where findings land: a Sentinel YAML's own line:col inside `query:`, a detection's template, a .kql."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kqlrules.kusto import Analyzer, SchemaSet
from kqlrules.lint import discover, lint_units, read_sentinel_rule
from tests.lint.conftest import codes

SENTINEL_RULE = """\
id: 5170c3c4-b8c9-485c-910d-a21d965ee181
name: Sign-ins from a risky address
severity: Medium
queryFrequency: 1h
queryPeriod: 1h
query: |
  SigninLogs
  | where TimeGenerated > ago(1h)
  | where Nope == 1
  | summarize count() by UserPrincipalName
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: UserPrincipalName
      - identifier: Name
        columnName: AccountName
"""


def test_a_sentinel_query_maps_to_the_yaml_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(SENTINEL_RULE)
    unit = read_sentinel_rule(path, "rule.yaml")
    assert unit.text is not None and unit.text.startswith("SigninLogs\n")
    # Query line 3, column 9 (`Nope`) is the file's line 9, column 11 (the block is indented by 2).
    assert unit.origin(3, 9).line == 9 and unit.origin(3, 9).col == 11


def test_sentinel_analyzer_errors_point_into_the_yaml(
    tmp_path: Path, analyzer: Analyzer, schemas: SchemaSet
) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(SENTINEL_RULE)
    run = lint_units([read_sentinel_rule(path, "rule.yaml")], analyzer, schemas)
    [error] = [finding for finding in run.findings if finding.code == "KS142"]
    assert (error.location.path, error.location.line, error.location.col) == ("rule.yaml", 9, 11)


def test_sentinel_entity_mappings_must_name_output_columns(
    tmp_path: Path, analyzer: Analyzer, schemas: SchemaSet
) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(SENTINEL_RULE.replace("  | where Nope == 1\n", ""))
    run = lint_units([read_sentinel_rule(path, "rule.yaml")], analyzer, schemas)
    [missing] = run.findings
    assert missing.code == "KQR006" and "AccountName" in missing.message
    assert (missing.location.line, missing.location.col) == (16, 21)


def test_a_yaml_without_query_has_nothing_to_lint(tmp_path: Path) -> None:
    path = tmp_path / "moved.yaml"
    path.write_text("id: x\nname: This rule moved\n")
    unit = read_sentinel_rule(path, "moved.yaml")
    assert unit.text is None and unit.problems == []


def test_invalid_yaml_is_a_finding_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text('name: x\nquery: "SigninLogs\n  | take 1\nkind: [a\n')
    [problem] = read_sentinel_rule(path, "broken.yaml").problems
    assert problem.code == "KQR000" and (problem.location.line, problem.location.col) == (5, 1)


def test_a_block_scalar_sentinel_accepts_is_read(tmp_path: Path) -> None:
    # Sentinel's tooling (PyYAML-compatible) reads a block whose first line is white space less indented
    # than the query; one published rule does this, and lint must read it as Sentinel does.
    path = tmp_path / "indented.yaml"
    path.write_text("query: |\n \n  SigninLogs\n")
    unit = read_sentinel_rule(path, "indented.yaml")
    assert unit.problems == [] and unit.text == "\nSigninLogs\n"


def test_a_plain_kql_file_is_linted_at_its_own_positions(
    tmp_path: Path, analyzer: Analyzer, schemas: SchemaSet
) -> None:
    (tmp_path / "hunt.kql").write_text("SigninLogs\n| where TimeGenerated > ago(1d)\n| where Nope == 1\n")
    run = lint_units(discover([tmp_path]), analyzer, schemas)
    [error] = run.findings
    assert error.location.path.endswith("hunt.kql") and (error.location.line, error.location.col) == (3, 9)


@pytest.fixture
def repository(tmp_path: Path, project_root: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(project_root / "queries", root / "queries")
    return root


def test_the_seed_repository_lints_clean_of_errors(repository: Path, analyzer: Analyzer) -> None:
    from kqlrules.kusto import resolve_schemas

    run = lint_units(discover([repository]), analyzer, resolve_schemas(repository))
    assert run.units >= 10 and run.errors() == []


def test_detection_findings_point_into_the_template(repository: Path, analyzer: Analyzer) -> None:
    from kqlrules.kusto import resolve_schemas

    template = repository / "queries" / "identity" / "risky_signin.kql"
    text = template.read_text().replace("| where RiskState in~", "| where Nope == 1\n| where RiskState in~")
    template.write_text(text)
    run = lint_units(discover([template]), analyzer, resolve_schemas(repository))
    [error] = [finding for finding in run.findings if finding.code == "KS142"]
    line = text.splitlines().index("| where Nope == 1") + 1
    assert error.location.path.endswith("risky_signin.kql") and (error.location.line, error.location.col) == (
        line,
        9,
    )


def test_a_detection_disables_a_code_in_its_metadata(repository: Path, analyzer: Analyzer) -> None:
    from kqlrules.kusto import resolve_schemas

    template = repository / "queries" / "identity" / "risky_signin.kql"
    text = template.read_text().replace(
        "| where RiskState", "| where AppDisplayName contains 'teams'\n| where RiskState"
    )
    template.write_text(text)
    metadata = template.with_suffix(".yaml")
    assert codes(lint_units(discover([metadata]), analyzer, resolve_schemas(repository)).findings) == [
        "KQR002"
    ]
    metadata.write_text(metadata.read_text() + "lint:\n  disable: [KQR002]\n")
    assert lint_units(discover([metadata]), analyzer, resolve_schemas(repository)).findings == []


def test_invalid_metadata_is_reported_and_the_other_detections_still_lint(
    repository: Path, analyzer: Analyzer
) -> None:
    from kqlrules.kusto import resolve_schemas

    broken = repository / "queries" / "identity" / "risky_signin.yaml"
    broken.write_text(broken.read_text().replace("severity: High", "severity: Extreme"))
    run = lint_units(discover([repository]), analyzer, resolve_schemas(repository))
    [problem] = run.errors()
    assert problem.code == "KQR000" and problem.location.path.endswith("risky_signin.yaml")
    assert run.queries >= 9


def test_a_detection_entity_naming_a_missing_column_points_at_its_yaml_line(
    repository: Path, analyzer: Analyzer
) -> None:
    from kqlrules.kusto import resolve_schemas

    metadata = repository / "queries" / "identity" / "risky_signin.yaml"
    text = metadata.read_text()
    assert "    Address: IPAddress" in text  # the pack's own mapping, which this test breaks
    text = text.replace("    Address: IPAddress", "    Address: ClientAddress")
    metadata.write_text(text)
    run = lint_units(discover([metadata]), analyzer, resolve_schemas(repository))
    [missing] = run.findings
    line = text.splitlines().index("    Address: ClientAddress") + 1
    assert missing.code == "KQR006" and "ClientAddress" in missing.message
    assert missing.location.path.endswith("risky_signin.yaml") and missing.location.line == line


def test_the_queries_folder_is_the_whole_repository_rendered(repository: Path) -> None:
    # `kqlrules lint queries` lints the detections (rendered templates), not every .kql as plain KQL:
    # neither the macros file nor an unrendered `{{ ... }}` is a unit of its own.
    from_root = sorted(unit.path for unit in discover([repository]))
    from_queries = list(discover([repository / "queries"]))
    assert sorted(unit.path for unit in from_queries) == from_root
    assert not any("_macros" in unit.path for unit in from_queries)
    assert all(unit.text is None or "{{" not in unit.text for unit in from_queries)
