"""`kqlrules import sentinel` / `export sentinel`: the real corpus imports, validates, renders back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.deploy.deployable import deployables
from kqlrules.deploy.export import export_arm
from kqlrules.rules import load_repository
from kqlrules.rules.model import TACTICS
from kqlrules.rules.sentinel_yaml import read_rule
from kqlrules.timespan import format_timespan, parse_timespan
from kqlrules.workflow.importer import ImportReport, import_sentinel, read_sentinel_rule
from kqlrules.workflow.sentinel_format import SentinelImportError, from_sentinel, template_for, to_sentinel

# A real rule the detection model refuses, rightly: a broken alert placeholder (`{{SrcIpAddr}` misses a brace,
# so Sentinel would print it as text).
KNOWN_REFUSALS = {"placeholder {{SrcIpAddr}"}


@pytest.fixture(scope="module")
def imported(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    root = tmp_path_factory.mktemp("imported")
    corpus = shared_dir / "corpus" / "sentinel-rules"
    report = import_sentinel([corpus], root / "queries", base=corpus)
    return root, report


@pytest.mark.sweep  # imports the whole corpus: the second step of `make test`
def test_every_file_is_imported_or_reported_with_its_reason(
    imported: tuple[Path, ImportReport], shared_dir: Path
) -> None:
    _, report = imported
    corpus = shared_dir / "corpus" / "sentinel-rules"
    files = [p for p in corpus.rglob("*") if p.is_file() and p.name not in ("INDEX.tsv", "LICENSE")]
    assert len(files) == 1063
    assert len(report.written) + len(report.skipped) == len(files)
    reasons = [p.message for p in report.skipped]
    stubs = [m for m in reasons if m.startswith("no query")]
    duplicates = [m for m in reasons if m.startswith("duplicate id")]
    refused = [m for m in reasons if m.startswith("not importable")]
    assert len(stubs) == 8 and len(duplicates) == 13
    assert len(stubs) + len(duplicates) + len(refused) == len(reasons)
    assert all(any(known in m for known in KNOWN_REFUSALS) for m in refused), refused
    # The odd file name `... Incidents. yaml` is read like any other.
    assert any(str(rule.source).endswith("Incidents. yaml") for _, rule in report.written)


@pytest.mark.sweep  # imports the whole corpus: the second step of `make test`
def test_a_duplicate_id_names_both_files(imported: tuple[Path, ImportReport]) -> None:
    _, report = imported
    message = next(str(p) for p in report.skipped if "duplicate id" in p.message)
    assert message.count(".yaml") >= 3  # where it is, and both files named in the message


@pytest.mark.sweep  # imports the whole corpus: the second step of `make test`
def test_imported_rules_load_and_render_back_to_the_same_query(imported: tuple[Path, ImportReport]) -> None:
    root, report = imported
    repo = load_repository(root)
    assert repo.problems == []
    originals = {str(path): rule.query for path, rule in report.written}
    # Rendering drops trailing white space (KQL gives it no meaning); everything else must be identical.
    mismatched = [d.key for d in repo.detections if d.render().text != originals[str(d.yaml_path)].rstrip()]
    assert mismatched == []
    assert len(repo.detections) == len(originals)


def test_export_gives_back_the_sentinel_fields(shared_dir: Path) -> None:
    from kqlrules.rules.model import Detection

    source = shared_dir / "corpus/sentinel-rules/Detections/AuditLogs/RedirectURLUpdate.yaml"
    if not source.exists():
        source = next((shared_dir / "corpus/sentinel-rules/Detections/AuditLogs").glob("*.yaml"))
    original = read_sentinel_rule(source)
    rule = from_sentinel(original, source)
    exported = to_sentinel(Detection.model_validate(rule.metadata), rule.query)
    for key in (
        "id",
        "name",
        "severity",
        "queryFrequency",
        "queryPeriod",
        "triggerOperator",
        "triggerThreshold",
        "tactics",
        "relevantTechniques",
        "query",
        "entityMappings",
        "version",
        "kind",
    ):
        if key == "query":
            assert exported[key].rstrip() == original[key].rstrip()
        elif key in original:
            assert exported[key] == original[key], key


def test_jinja_syntax_in_a_query_is_kept_verbatim() -> None:
    query = 'T | where x matches regex "a{{2}}" | extend y = "{% not a tag %}"'
    assert template_for(query).startswith("{% raw %}")
    assert template_for("T | take 1") == "T | take 1"


def test_a_file_without_a_query_is_skipped_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(SentinelImportError, match="no query"):
        from_sentinel({"id": "x", "name": "moved"}, tmp_path / "stub.yaml")


def test_broken_yaml_is_reported_at_line_and_column_and_the_rest_imports(tmp_path: Path) -> None:
    good = tmp_path / "in" / "good.yaml"
    good.parent.mkdir()
    good.write_text(
        "id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69\nname: Good\nseverity: Low\nqueryFrequency: 1h\n"
        "queryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\n"
        "query: SigninLogs | take 1\nkind: Scheduled\n"
    )
    (tmp_path / "in" / "bad.yaml").write_text("id: 1\nname: [unclosed\n")
    result = CliRunner().invoke(
        app,
        ["--repo", str(tmp_path), "import", "sentinel", str(tmp_path / "in"), "-o", str(tmp_path / "q")],
    )
    assert result.exit_code == 0
    assert "bad.yaml:3:1: invalid YAML" in result.output.replace("\n", "")
    assert (tmp_path / "q" / "in" / "good.kql").read_text() == "SigninLogs | take 1\n"


# The documented normalisations of the round trip (docs/workflow.md, "What export changes"): each is a
# spelling Sentinel reads the same way.
def _normalised(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        # A key whose value is null is the same as an absent key.
        return {k: _normalised(k, v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_normalised(key, v) for v in value]
    if key == "query" and isinstance(value, str):
        return value.rstrip()  # trailing white space at the end of the query
    if key in ("queryFrequency", "queryPeriod", "suppressionDuration", "lookbackDuration"):
        return format_timespan(parse_timespan(str(value)))  # `24h` is written `1d`
    if key == "triggerOperator":
        return {"greaterthan": "gt", "lessthan": "lt", "equal": "eq", "notequal": "ne"}.get(
            str(value).lower(), value
        )
    if key == "tactics":
        return {t.lower(): t for t in TACTICS}.get(str(value).replace(" ", "").lower(), value)
    return value


def _rule_normalised(rule: dict[str, Any]) -> dict[str, Any]:
    rule = dict(rule)
    if "techniques" in rule and "relevantTechniques" not in rule:
        rule["relevantTechniques"] = rule.pop("techniques")  # the key Sentinel's CI reads
    if rule.get("relevantTechniques") == []:
        del rule["relevantTechniques"]
    return _normalised("", rule)


@pytest.mark.sweep  # imports the whole corpus: the second step of `make test`
def test_round_trip_of_the_corpus_is_field_by_field_identical(
    imported: tuple[Path, ImportReport], shared_dir: Path, tmp_path: Path
) -> None:
    root, report = imported
    corpus = shared_dir / "corpus" / "sentinel-rules"
    sources = {str(path): rule.source for path, rule in report.written}
    out = tmp_path / "exported"
    result = CliRunner().invoke(app, ["--repo", str(root), "export", "sentinel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    differences: dict[str, list[str]] = {}
    identical = 0
    for path, rule in report.written:
        area, name = path.parent.name, path.stem
        exported = read_rule(out / area / f"{name}.yaml")
        original = read_sentinel_rule(corpus / sources[str(path)])
        changed = [
            key
            for key in original.keys() | exported.keys()
            if _rule_normalised(original).get(key) != _rule_normalised(exported).get(key)
        ]
        if changed:
            differences[str(rule.source)] = changed
        identical += _without_query_end(exported) == _without_query_end(original)
    assert differences == {}
    # Most rules come back equal as data with no normalisation but the query's final newline.
    assert identical >= len(report.written) - 40, identical


def _without_query_end(rule: dict[str, Any]) -> dict[str, Any]:
    return {**rule, "query": str(rule.get("query")).rstrip()}


LOSSY_BEFORE = """\
id: 4D1C5F7E-0F6A-4C1E-9B8E-2F1D3C4B5A69
name: From a Microsoft template
description: |
  Keeps everything.
severity: Medium
requiredDataConnectors: []
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics:
  - InitialAccess
relevantTechniques:
  - T1078.004
tags:
  - Schema: ASimAuthentication
    SchemaVersion: 0.1.1
  - Entra
query: |
  SigninLogs
  | project UserPrincipalName
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: UserPrincipalName
sentinelEntitiesMappings:
  - columnName: UserPrincipalName
eventGroupingSettings:
  aggregationKind: SingleAlert
alertRuleTemplateName: 0b1c2d3e-0000-4000-8000-000000000001
templateVersion: 1.2.3
metadata:
  source: {kind: Community}
enabled: true
version: 1.0.1
kind: Scheduled
"""


def test_import_keeps_every_field_and_export_gives_it_back(tmp_path: Path) -> None:
    source = tmp_path / "in" / "odd name. yaml"
    source.parent.mkdir()
    source.write_text(LOSSY_BEFORE)
    refused = tmp_path / "in" / "refused.yaml"
    refused.write_text(
        LOSSY_BEFORE.replace("4D1C5F7E", "5D1C5F7E").replace("severity: Medium", "severity: Huge")
    )
    report = import_sentinel([tmp_path / "in"], tmp_path / "repo" / "queries")
    assert [str(p) for p in report.skipped] == [
        f"{refused}: not importable: severity: Input should be 'Informational', 'Low', 'Medium' or 'High'"
    ]
    repo = load_repository(tmp_path / "repo", strict=True)  # the refused file never made it unloadable
    [detection] = repo.detections
    assert detection.meta.id == "4D1C5F7E-0F6A-4C1E-9B8E-2F1D3C4B5A69"  # case kept
    assert (
        detection.meta.sentinel.template is not None and detection.meta.sentinel.template.version == "1.2.3"
    )
    exported = to_sentinel(detection.meta, detection.render().text)
    original = read_rule(source)
    assert exported == original


@pytest.mark.sweep  # imports the whole corpus: the second step of `make test`
def test_the_imported_corpus_exports_as_arm_templates_under_the_resource_limit(
    imported: tuple[Path, ImportReport], tmp_path: Path
) -> None:
    root, report = imported
    items = deployables(load_repository(root, strict=True))
    paths = export_arm(items, tmp_path, repository="acme/detections", targets=["sentinel"])
    counts = [len(json.loads(path.read_text())["resources"]) for path in paths]
    assert sum(counts) == 2 * len(report.written)  # each rule with its metadata
    assert len(paths) == 3 and max(counts) <= 800
