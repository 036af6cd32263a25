"""Every command, walked through its `--help`: the shared options are there and mean one thing, old
names are gone from the help, and usage errors exit 2 (docs/cli.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from kqlrules.cli.main import app
from kqlrules.cli.options import ENDPOINT_HELP, NOW_HELP, REPO_HELP, WORKSPACE_HELP

ROOT_COMMAND = typer.main.get_command(app)


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


COMMANDS = [(path, command) for path, command in walk(ROOT_COMMAND) if path]
LEAVES = [(path, command) for path, command in COMMANDS if not getattr(command, "commands", None)]
IDS = [" ".join(path) for path, _ in COMMANDS]
LEAF_IDS = [" ".join(path) for path, _ in LEAVES]


def options(command: Any) -> dict[str, Any]:
    return {name: param for param in command.params for name in getattr(param, "opts", [])}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output + result.stderr, result.output
    return result.exit_code, result.stdout, result.stderr


def test_the_walk_finds_every_command() -> None:
    assert len(LEAVES) >= 30
    assert {"list", "lint", "test", "query", "new"} <= {path[-1] for path, _ in LEAVES}


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_shows_the_global_options(path: tuple[str, ...], command: Any) -> None:
    code, out, _ = invoke(*path, "--help")
    assert code == 0
    assert "--repo" in out and "--format" in out
    assert options(command)["--repo"].help == REPO_HELP


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_one_name_per_concept_and_one_meaning_per_name(path: tuple[str, ...], command: Any) -> None:
    named = options(command)
    assert "--out" not in named, "a file or folder to write is --output/-o"
    if "-o" in named:
        assert "--output" in named["-o"].opts
    if "--workspace" in named and not named["--workspace"].hidden:
        assert named["--workspace"].help.startswith(WORKSPACE_HELP), "--workspace is a workspace to query"
    if "--endpoint" in named:
        assert named["--endpoint"].help == ENDPOINT_HELP
    assert named["--format"].help.startswith("Output: ")
    for name in ("--env", "--param", "--now"):
        if name in named:
            assert named[name].help == {
                "--env": "Environment of kqlrules.toml whose params (and workspace, targets) apply.",
                "--param": "Template parameter (repeatable); the name must exist.",
                "--now": NOW_HELP,
            }[name]


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=LEAF_IDS)
def test_an_unknown_option_is_a_usage_error(path: tuple[str, ...], command: Any) -> None:
    code, _, err = invoke(*path, "--no-such-option")
    assert code == 2 and "No such option" in err


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=LEAF_IDS)
def test_an_unknown_format_is_a_usage_error_in_either_position(path: tuple[str, ...], command: Any) -> None:
    assert invoke(*path, "--format", "yaml")[0] == 2
    assert invoke("--format", "yaml", *path)[0] == 2


@pytest.mark.parametrize(
    "args",
    [["list"], ["validate"], ["version", "check"], ["coverage", "attack"]],
    ids=lambda args: " ".join(args),
)
def test_format_json_before_or_after_the_command_is_the_same(tmp_path: Path, args: list[str]) -> None:
    root = tmp_path / "detections"
    assert invoke("init", str(root))[0] == 0
    before = invoke("--repo", str(root), "--format", "json", *args)
    after = invoke(*args, "--repo", str(root), "--format", "json")
    assert before[0] == after[0] == 0, before[2] + after[2]
    assert json.loads(before[1]) == json.loads(after[1])


def test_a_missing_repo_names_the_path_given(tmp_path: Path) -> None:
    missing = tmp_path / "nonexist"
    code, _, err = invoke("list", "--repo", str(missing))
    assert code == 1
    assert f"--repo {missing}: no such folder" in err


def test_a_hint_with_brackets_is_printed_whole(tmp_path: Path) -> None:
    (tmp_path / "queries").mkdir()
    code, _, err = invoke("--repo", str(tmp_path), "deploy", "plan")
    assert code == 1
    assert "[environments.<name>]" in err  # not eaten as rich markup


def test_the_old_out_option_still_works_and_says_its_new_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sample", "generate", "--out", str(tmp_path / "w"), "--days", "4"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "SigninLogs.jsonl").is_file()
    assert "--out is now --output" in result.stderr
