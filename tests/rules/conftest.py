"""A throw-away detection repository per test, written file by file; paths are shown relative to it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

GOOD_YAML = """\
id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69
name: Example detection
severity: High
schedule:
  frequency: 1h
  period: 1h
"""
GOOD_KQL = "SigninLogs\n| where TimeGenerated > ago({{ lookback | kql_timespan }})\n"

WriteFile = Callable[[str, str], Path]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "queries").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(repo: Path) -> WriteFile:
    def write_file(relative: str, text: str) -> Path:
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def detection(write: WriteFile) -> Callable[..., None]:
    """Write `queries/<area>/<name>.yaml` and `.kql` (defaults: a valid pair)."""

    def write_pair(
        name: str = "example", yaml: str = GOOD_YAML, kql: str = GOOD_KQL, area: str = "identity"
    ) -> None:
        write(f"queries/{area}/{name}.yaml", yaml)
        write(f"queries/{area}/{name}.kql", kql)

    return write_pair
