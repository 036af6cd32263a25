"""`kqlrules --help` lists each command with a whole phrase, never one cut off with "..."."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app, short_help


@pytest.mark.parametrize(
    "args", [["--help"], ["deploy", "--help"], ["sources", "--help"], ["version", "--help"]]
)
def test_command_lists_show_whole_phrases(args: list[str]) -> None:
    result = CliRunner().invoke(app, args, terminal_width=80)
    assert result.exit_code == 0
    commands = result.output.split("Commands:", 1)[1]
    assert "..." not in commands
    assert commands.strip()


def test_short_help_is_the_first_sentence_without_its_asides() -> None:
    text = (
        "Write a new detection (.kql, .yaml with a fresh id,\n.tests.yaml) and record it in the lock.\n"
        "More detail."
    )
    assert short_help(text) == "Write a new detection and record it in the lock"
    assert (
        short_help("Show what apply would change; change nothing. Exit 0.") == "Show what apply would change"
    )
    assert (
        short_help("For every detection: is it fed?\nExits 1 when blind.")
        == "For every detection: is it fed?"
    )


def test_a_negative_case_minimum_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["test", "--min-cases", "-1"])
    assert result.exit_code == 2
    assert "--min-cases" in result.output
