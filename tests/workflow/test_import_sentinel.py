"""`kqlrules import sentinel` / `export sentinel`: the real corpus imports, validates, renders back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.rules import load_repository
from kqlrules.workflow.importer import import_sentinel, read_sentinel_rule
from kqlrules.workflow.sentinel_format import SentinelImportError, from_sentinel, template_for, to_sentinel

# Two real rules break kqlrules' checks, rightly: one maps 6 entities (the limit is 5), one has a broken alert
# placeholder (`{{SrcIpAddr}` misses a brace, so Sentinel would print it as text).
KNOWN_PROBLEMS = {"entity mappings; at most 5", "placeholder {{SrcIpAddr}"}


@pytest.fixture(scope="module")
def imported(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("imported")
    corpus = shared_dir / "corpus" / "sentinel-rules"
    report = import_sentinel([corpus], root / "queries", base=corpus)
    return root, report


def test_every_rule_with_a_query_imports(imported: tuple[Path, object], shared_dir: Path) -> None:
    _, report = imported
    files = sorted((shared_dir / "corpus" / "sentinel-rules").rglob("*.yaml"))
    rules_with_query = sum(1 for f in files if read_sentinel_rule(f).get("query"))
    moved_stubs = len(files) - rules_with_query
    assert rules_with_query > 1000
    duplicates = [p for p in report.skipped if "same id" in p.message]  # type: ignore[attr-defined]
    assert len(report.written) + len(duplicates) == rules_with_query  # type: ignore[attr-defined]
    assert len(report.skipped) == moved_stubs + len(duplicates)  # type: ignore[attr-defined]


def test_imported_rules_validate_and_render_back_to_the_same_query(imported: tuple[Path, object]) -> None:
    root, report = imported
    repo = load_repository(root)
    found = {known for known in KNOWN_PROBLEMS for p in repo.problems if known in str(p)}
    assert found == KNOWN_PROBLEMS and len(repo.problems) == len(KNOWN_PROBLEMS), [
        str(p) for p in repo.problems
    ]
    originals = {str(path): rule.query for path, rule in report.written}  # type: ignore[attr-defined]
    # Rendering drops trailing white space (KQL gives it no meaning); everything else must be identical.
    mismatched = [d.key for d in repo.detections if d.render().text != originals[str(d.yaml_path)].rstrip()]
    assert mismatched == []
    assert len(repo.detections) == len(originals) - len(KNOWN_PROBLEMS)


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
