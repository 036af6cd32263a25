"""`kqlrules sample generate`, run through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kqlrules.cli.main import app

runner = CliRunner()


def test_generate_writes_the_workspace_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", "generate", "-o", str(tmp_path), "--seed", "3", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "SigninLogs.jsonl").is_file()
    assert "password_spray" in result.output


def test_json_output_lists_the_stories_and_row_counts(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--format", "json", "sample", "generate", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["start"] == "2026-11-02T00:00:00.000Z"
    assert report["rows"]["SigninLogs"] > 0
    spray = next(story for story in report["stories"] if story["name"] == "password_spray")
    assert spray["fires"] == ["password_spray"]


def test_start_is_read_as_iso_8601(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--format", "json", "sample", "generate", "--output", str(tmp_path), "--start", "2025-01-06"]
    )
    assert json.loads(result.stdout)["start"] == "2025-01-06T00:00:00.000Z"


def test_a_bad_start_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", "generate", "--output", str(tmp_path), "--start", "next tuesday"])
    assert result.exit_code == 2  # a date that does not parse is a usage error
    assert "not an ISO 8601 date" in result.output
    assert "Traceback" not in result.output
