"""Where the analyzer comes from: a missing package or Node is an error that says what to run."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqlrules.kusto import Analyzer, AnalyzerMissing, SchemaSet, ensure_installed


def test_a_missing_package_names_the_setup_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KQLRULES_ANALYZER_HOME", str(tmp_path))
    with pytest.raises(AnalyzerMissing) as caught:
        ensure_installed()
    assert str(tmp_path) in caught.value.message and "kqlrules setup" in (caught.value.hint or "")


def test_a_node_that_does_not_exist_is_reported_with_the_setting_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KQLRULES_NODE", str(tmp_path / "missing-node"))
    with Analyzer() as analyzer, pytest.raises(AnalyzerMissing, match=r"cannot run Node\.js"):
        analyzer.analyze("print 1", SchemaSet())
