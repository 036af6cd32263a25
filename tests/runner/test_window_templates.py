"""A detection's template rendered per window: rendered once when it reads none of the window's params,
per window when it (or a template it includes or imports) does, and again when one of its files changes."""

from __future__ import annotations

import os
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kqlrules.rules import LoadedDetection, load_repository
from kqlrules.runner import WindowTemplate
from kqlrules.runner.schedule import Window

T0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
YAML = """\
id: 4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69
name: Example detection
severity: High
schedule:
  frequency: 1h
  period: 1h
"""
WINDOWS = [Window(T0 + i * HOUR, T0 + (i + 1) * HOUR) for i in range(3)]


def loaded(repo: Path, kql: str, **others: str) -> LoadedDetection:
    for relative, text in {"identity/example.kql": kql, **others}.items():
        path = repo / "queries" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (repo / "queries/identity/example.yaml").write_text(YAML, encoding="utf-8")
    repository = load_repository(repo)
    repository.raise_problems()
    (detection,) = repository.detections
    return detection


def renderings(detection: LoadedDetection, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the renderer's runs (a list of one number, read after rendering)."""
    count = [0]
    real = detection.renderer.render

    def counted(*args: object, **kwargs: object) -> object:
        count[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detection.renderer, "render", counted)
    return count


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "queries").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_template_that_reads_no_window_param_renders_once(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    detection = loaded(repo, "SigninLogs\n| where TimeGenerated > {{ ago(lookback) }}\n| take 1\n")
    template = WindowTemplate(detection)
    count = renderings(detection, monkeypatch)
    texts = {template.render(window) for window in WINDOWS}
    assert texts == {"SigninLogs\n| where TimeGenerated > ago(1h)\n| take 1"}
    assert count[0] == 1
    # The line map comes with the reused text: line 3 of the query is line 3 of the template.
    location = template.locate(3, 3)
    assert location is not None and (location.line, location.col) == (3, 3)


@pytest.mark.parametrize(
    ("kql", "others"),
    [
        ("SigninLogs | where TimeGenerated >= {{ window_start }}\n", {}),
        ("SigninLogs | take {{ (window_end - window_start).seconds }}\n", {}),
        ('{% include "_macros/bounds.kql" %}\n', {"_macros/bounds.kql": "T | where x < {{ window_end }}\n"}),
        (
            '{% import "_macros/bounds.kql" as b with context %}\nT | where {{ b.until() }}\n',
            {"_macros/bounds.kql": "{% macro until() %}x < {{ window_end }}{% endmacro %}\n"},
        ),
        ('{% set name = "_macros/bounds.kql" %}{% include name %}\n', {"_macros/bounds.kql": "T | take 1\n"}),
    ],
    ids=["window_start", "window_end", "included", "imported macro", "include by expression"],
)
def test_a_template_that_reads_the_window_renders_every_window(
    repo: Path, monkeypatch: pytest.MonkeyPatch, kql: str, others: dict[str, str]
) -> None:
    detection = loaded(repo, kql, **others)
    template = WindowTemplate(detection)
    count = renderings(detection, monkeypatch)
    for window in WINDOWS:
        assert (
            template.render(window)
            == detection.render({"window_start": window.start, "window_end": window.end}).text
        )
    assert count[0] == 2 * len(WINDOWS)  # the template's own renderings, then the test's


def test_ago_renders_every_window_when_it_counts_from_the_window_end(repo: Path) -> None:
    detection = loaded(repo, "SigninLogs | where TimeGenerated > {{ ago(lookback) }}\n")
    anchored = WindowTemplate(detection, anchor_now=True)
    texts = [anchored.render(window) for window in WINDOWS]
    assert len(set(texts)) == len(WINDOWS)
    assert texts[0] == "SigninLogs | where TimeGenerated > (datetime(2024-05-01T11:00:00Z) - 1h)"


def test_an_edited_template_renders_again(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    detection = loaded(repo, "SigninLogs | take 1\n", **{"_macros/m.kql": "{% macro m() %}x{% endmacro %}\n"})
    template = WindowTemplate(detection)
    assert template.render(WINDOWS[0]) == "SigninLogs | take 1"
    path = repo / "queries/identity/example.kql"
    path.write_text("SigninLogs | take {{ window_end.hour }}\n", encoding="utf-8")
    later = path.stat().st_mtime + 5  # a new modification time, whatever the file system's resolution
    os.utime(path, (later, later))
    assert template.render(WINDOWS[1]) == "SigninLogs | take 12"
    assert template.render(WINDOWS[2]) == "SigninLogs | take 13"
