"""`kqlrules version`: content never changes without a version bump; ids never change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "repo")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "repo"
    assert CliRunner().invoke(app, ["--repo", str(root), "version", "lock"]).exit_code == 0
    return root


def run(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--repo", str(repo), *args])
    return result.exit_code, result.output


def example(repo: Path, suffix: str) -> Path:
    return repo / "queries" / "identity" / f"password_spray{suffix}"


def test_an_unchanged_repository_passes(repo: Path) -> None:
    assert run(repo, "version", "check")[0] == 0


def test_a_query_change_without_a_bump_fails_with_the_file(repo: Path) -> None:
    with example(repo, ".kql").open("a") as handle:
        handle.write("| where AccountCount > 20\n")
    code, output = run(repo, "version", "check")
    assert code == 1
    # Relative to the repository, at the version key's line:col, wherever the command runs from.
    line = example(repo, ".yaml").read_text().splitlines().index("version: 1.0.0") + 1
    expected = f"queries/identity/password_spray.yaml:{line}:10: content changed but version is still 1.0.0"
    assert expected in output.replace("\n", "")


def test_bump_raises_the_version_and_check_passes_again(repo: Path) -> None:
    with example(repo, ".kql").open("a") as handle:
        handle.write("| where AccountCount > 20\n")
    code, output = run(repo, "version", "bump")
    assert code == 0 and "1.0.0 -> 1.0.1" in output
    assert "version: 1.0.1" in example(repo, ".yaml").read_text()
    assert run(repo, "version", "check")[0] == 0


def test_bump_of_an_unknown_detection_is_an_error_and_bumps_nothing(repo: Path) -> None:
    code, output = run(repo, "version", "bump", "password_spray", "pasword_spray")
    assert code == 1
    assert "no detection 'pasword_spray'" in output and "did you mean" in output
    assert "version: 1.0.0" in example(repo, ".yaml").read_text()


def test_bump_with_nothing_changed_says_so(repo: Path) -> None:
    code, output = run(repo, "version", "bump")
    assert code == 0 and "nothing to bump" in output


def test_bump_writes_json_when_asked(repo: Path) -> None:
    import json

    code, output = run(repo, "--format", "json", "version", "bump", "password_spray")
    assert code == 0
    assert json.loads(output) == {
        "bumped": [{"detection": "identity/password_spray", "from": "1.0.0", "to": "1.0.1"}]
    }


def test_bump_changes_only_the_version_line(repo: Path) -> None:
    yaml_path = example(repo, ".yaml")
    long_name = "name: Password spray against many accounts from one IP, " + "tuned for a large tenant " * 3
    lines = [
        long_name.rstrip() if row.startswith("name:") else row for row in yaml_path.read_text().splitlines()
    ]
    yaml_path.write_text("\n".join(lines) + "\n")
    with example(repo, ".kql").open("a") as handle:
        handle.write("| where AccountCount > 20\n")
    assert run(repo, "version", "bump")[0] == 0
    after = yaml_path.read_text().splitlines()
    changed = [(old, new) for old, new in zip(lines, after, strict=True) if old != new]
    assert changed == [("version: 1.0.0", "version: 1.0.1")]


def test_bump_keeps_indented_lists_comments_and_quotes(repo: Path) -> None:
    yaml_path = example(repo, ".yaml")
    text = yaml_path.read_text().replace("version: 1.0.0", "version: '1.0.0'  # semver")
    lines = [
        *text.splitlines(),
        "tags:  # indented four, as many authors write lists",
        "    - spray",
    ]
    yaml_path.write_text("\n".join(lines) + "\n")
    assert run(repo, "version", "bump", "password_spray")[0] == 0
    after = yaml_path.read_text().splitlines()
    changed = [(old, new) for old, new in zip(lines, after, strict=True) if old != new]
    assert changed == [("version: '1.0.0'  # semver", "version: '1.0.1'  # semver")]


def test_changing_an_id_is_an_error(repo: Path) -> None:
    yaml_path = example(repo, ".yaml")
    text = yaml_path.read_text()
    old_id = text.split("id: ", 1)[1].split("\n", 1)[0]
    yaml_path.write_text(text.replace(old_id, "9b4c1e62-6a8e-4b59-8f0e-3f7a2b1c0d11"))
    code, output = run(repo, "version", "check")
    assert code == 1
    assert f"id changed from {old_id}" in output.replace("\n", "")


def test_a_new_repository_passes_the_version_check_without_a_lock_step(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["init", str(tmp_path / "new")]).exit_code == 0
    assert run(tmp_path / "new", "version", "check")[0] == 0


def test_init_refuses_to_overwrite(repo: Path) -> None:
    code, output = run(repo, "init", str(repo))
    assert code == 1 and "not overwriting" in output


def test_the_scaffolded_repository_validates(repo: Path) -> None:
    code, output = run(repo, "validate")
    assert code == 0, output


def test_project_runs_the_same_workflow_it_scaffolds(project_root: Path) -> None:
    from kqlrules.workflow.scaffold_repo import workflow_text

    own = (project_root / ".github" / "workflows" / "detections.yml").read_text()
    assert own == workflow_text("pip install -e . && kqlrules setup")


def test_copying_a_detection_keeps_both_ids_distinct(repo: Path) -> None:
    shutil.copy(example(repo, ".yaml"), repo / "queries" / "identity" / "copy.yaml")
    shutil.copy(example(repo, ".kql"), repo / "queries" / "identity" / "copy.kql")
    code, output = run(repo, "validate")
    assert code == 1 and "duplicate" in output.lower()
