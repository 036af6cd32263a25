"""Importing rules whose ids the repository has already skips them: the repository keeps validating."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kqlrules.cli.main import app


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_importing_the_repositorys_own_export_adds_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    assert invoke("init", str(repo))[0] == 0
    exported = tmp_path / "exported"
    assert invoke("--repo", str(repo), "export", "sentinel", "--output", str(exported))[0] == 0
    before = sorted(p.relative_to(repo) for p in (repo / "queries").rglob("*") if p.is_file())
    code, output = invoke("--repo", str(repo), "import", "sentinel", str(exported))
    assert code == 0
    assert "is already in" in output and "password_spray.yaml" in output
    after = sorted(p.relative_to(repo) for p in (repo / "queries").rglob("*") if p.is_file())
    assert after == before
    code, output = invoke("--repo", str(repo), "validate")
    assert code == 0, output


def test_an_import_to_another_folder_is_not_compared_with_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    assert invoke("init", str(repo))[0] == 0
    exported = tmp_path / "exported"
    assert invoke("--repo", str(repo), "export", "sentinel", "--output", str(exported))[0] == 0
    elsewhere = tmp_path / "elsewhere"
    code, output = invoke(
        "--repo", str(repo), "import", "sentinel", str(exported), "--output", str(elsewhere)
    )
    assert code == 0, output
    assert list(elsewhere.rglob("*.yaml"))
