"""Every command that takes a date or time reads it the same way and says the same thing when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kqlrules.cli.main import app

EXPECTED = "is not an ISO 8601 date or date-time such as 2026-11-02 or 2026-11-02T06:00Z"


@pytest.mark.parametrize(
    "args",
    [
        ["query", "print 1", "--now", "yesterday"],
        ["run", "--workspace", "local:.", "--once", "--now", "yesterday"],
        ["run", "--workspace", "local:.", "--once", "--since", "yesterday"],
        ["coverage", "data", "--workspace", "local:.", "--now", "yesterday"],
        ["sample", "generate", "--output", "sample", "--start", "yesterday"],
    ],
    ids=["query --now", "run --now", "run --since", "coverage data --now", "sample generate --start"],
)
def test_a_date_that_does_not_parse_is_a_message_not_a_traceback(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "queries").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2  # a bad option value is a usage error, as click reports one
    assert f"'yesterday' {EXPECTED}" in " ".join(result.output.split())
    assert "Traceback" not in result.output
