"""Text the user controls (detection names, folders, files, error messages and their hints) is printed
verbatim: rich never reads `[bold]x[/]` or `[abc]` in it as markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app

NAME = "[bold]x[/] [abc]"
KEY = "[abc]/[red]y"
RULE = f"""id: 0a5c1e00-0000-4000-8000-00000000000a
name: "{NAME}"
severity: Medium
schedule: {{frequency: 5m, period: 5m}}
entities:
  Account: UserPrincipalName
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "queries" / "[abc]"
    folder.mkdir(parents=True)
    (folder / "[red]y.yaml").write_text(RULE)
    (folder / "[red]y.kql").write_text('SigninLogs\n| where ResultType != "0"\n')
    return tmp_path


def kqlrules(repo: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--repo", str(repo), *args], env={"COLUMNS": "250"})
    assert "Traceback" not in result.output
    return result.output


def test_list_shows_names_and_keys_verbatim(repo: Path) -> None:
    output = kqlrules(repo, "list")
    assert NAME in output and KEY in output


def test_version_bump_and_lock_show_the_key_and_path_verbatim(repo: Path) -> None:
    assert "wrote" in kqlrules(repo, "version", "lock")
    assert f"{KEY}: 1.0.0 -> 1.0.1" in kqlrules(repo, "version", "bump", KEY)


def test_test_shows_the_key_verbatim(repo: Path) -> None:
    output = kqlrules(repo, "test")
    assert KEY in output


def test_an_error_and_its_hint_keep_their_brackets(repo: Path) -> None:
    output = kqlrules(repo, "render", KEY, "--env", "[bold]nope[/]")
    assert "'[bold]nope[/]'" in output and "[environments.<name>]" in output


def test_a_validation_problem_keeps_the_brackets_of_the_file_it_names(repo: Path) -> None:
    (repo / "queries" / "[abc]" / "[red]y.yaml").write_text(RULE.replace("severity: Medium", "severity: [x]"))
    output = kqlrules(repo, "validate")
    assert "queries/[abc]/[red]y.yaml" in output


def test_init_names_the_folder_verbatim(tmp_path: Path) -> None:
    folder = tmp_path / "[bold]new[/]"
    result = CliRunner().invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"cd {folder}" in result.output and "created" in result.output


def test_the_precision_table_shows_a_detection_name_verbatim() -> None:
    from rich.console import Console

    from kqlrules.cli.demo import precision_table
    from kqlrules.sample.scoring import DetectionScore

    console = Console(record=True, width=200)
    console.print(precision_table([DetectionScore(NAME, 1, 1, 0)]))
    assert NAME in console.export_text()
