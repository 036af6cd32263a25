"""`kqlrules coverage attack`: techniques placed under their tactics, wrong mappings named."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.rules.model import Detection
from kqlrules.workflow.coverage import compute_coverage, navigator_layer

BASE = {
    "id": "4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69",
    "name": "Example",
    "severity": "High",
    "schedule": {"frequency": "1h", "period": "1h"},
}


def detection(tactics: list[str], techniques: list[str], name: str = "Example") -> Detection:
    return Detection.model_validate({**BASE, "name": name, "tactics": tactics, "techniques": techniques})


def test_a_sub_technique_counts_under_the_tactic_the_detection_lists() -> None:
    coverage = compute_coverage([detection(["InitialAccess", "Persistence"], ["T1078.004"])])
    assert set(coverage.cells) == {("InitialAccess", "T1078.004"), ("Persistence", "T1078.004")}
    assert coverage.problems == []


def test_a_technique_under_a_tactic_it_does_not_belong_to_is_a_problem() -> None:
    coverage = compute_coverage([detection(["Impact"], ["T1110.003"])])
    [problem] = coverage.problems
    assert "T1110.003 (Password Spraying) belongs to CredentialAccess" in problem.message


def test_an_unknown_technique_is_a_problem() -> None:
    coverage = compute_coverage([detection(["Impact"], ["T9999"])])
    assert "not an ATT&CK 18.1 technique" in coverage.problems[0].message


def test_navigator_layer_has_format_4_5_and_scores_by_detection_count() -> None:
    coverage = compute_coverage(
        [
            detection(["CredentialAccess"], ["T1110.003"], "Spray"),
            detection(["CredentialAccess"], ["T1110.003"], "Spray 2"),
        ]
    )
    layer = navigator_layer(coverage)
    assert layer["versions"]["layer"] == "4.5"
    assert layer["domain"] == "enterprise-attack"
    entry, parent = layer["techniques"]
    assert (entry["techniqueID"], entry["tactic"], entry["score"]) == ("T1110.003", "credential-access", 2)
    # The parent's cell opens, so the covered sub-technique shows; the parent itself has no score.
    assert (parent["techniqueID"], parent["tactic"], parent["showSubtechniques"]) == (
        "T1110",
        "credential-access",
        True,
    )
    assert "score" not in parent


def test_a_covered_parent_with_a_covered_sub_technique_opens_without_a_second_entry() -> None:
    coverage = compute_coverage(
        [detection(["CredentialAccess"], ["T1110"], "Brute"), detection(["CredentialAccess"], ["T1110.003"])]
    )
    entries = {e["techniqueID"]: e for e in navigator_layer(coverage)["techniques"]}
    assert sorted(entries) == ["T1110", "T1110.003"]
    assert entries["T1110"]["showSubtechniques"] is True and entries["T1110"]["score"] == 1
    assert entries["T1110.003"]["showSubtechniques"] is False


def test_the_layer_filters_on_the_platforms_of_attack_v18() -> None:
    platforms = navigator_layer(compute_coverage([]))["filters"]["platforms"]
    assert {"Identity Provider", "Office Suite", "SaaS", "IaaS", "ESXi", "Network Devices"} <= set(platforms)
    assert not {"Azure AD", "Office 365", "Google Workspace", "AWS", "GCP", "Azure"} & set(platforms)


def test_the_pack_maps_only_real_techniques_to_their_tactics(project_root: Path, tmp_path: Path) -> None:
    layer_path = tmp_path / "layer.json"
    result = CliRunner().invoke(
        app, ["--repo", str(project_root), "coverage", "attack", "--strict", "--layer", str(layer_path)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(layer_path.read_text())["techniques"]
