"""A path the user gives that cannot be written is a message and exit 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app


@pytest.mark.parametrize("command", [["sample", "generate", "--output"], ["demo", "--output"]])
def test_an_output_folder_under_a_file_is_reported(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "queries").mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command, str(blocker / "out")])
    assert result.exit_code == 1
    assert "a-file" in result.output and "Not a directory" in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)
