"""`{{ ago(span) }}`: plain `ago()` as written, anchored at the window's end when the runner replays a past
window on a workspace whose `now()` is the real time (Azure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kqlrules.engine import LocalEngine
from kqlrules.rules import TemplateError, load_repository
from kqlrules.runner import Window, WindowTemplate
from kqlrules.table import Column, Table

ANCHORED_KQL = (
    "let recent = 10m;\n"
    "SigninLogs\n"
    "| where TimeGenerated > {{ ago(lookback) }}\n"
    '| where TimeGenerated > {{ ago("recent") }} or ResultType == "0"\n'
)
WINDOW = Window(datetime(2026, 11, 8, 4, tzinfo=UTC), datetime(2026, 11, 8, 5, tzinfo=UTC))


def rendered(root: Path, params: dict[str, object] | None = None) -> str:
    [loaded] = load_repository(root).detections
    return loaded.render(params).text


def test_ago_renders_as_written_without_an_anchor(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql=ANCHORED_KQL)
    assert rendered(repo).splitlines()[2:] == [
        "| where TimeGenerated > ago(1h)",
        '| where TimeGenerated > ago(recent) or ResultType == "0"',
    ]


def test_ago_counts_back_from_query_now(repo: Path, detection: Callable[..., None]) -> None:
    detection(kql=ANCHORED_KQL)
    lines = rendered(repo, {"query_now": WINDOW.end}).splitlines()[2:]
    assert lines == [
        "| where TimeGenerated > (datetime(2026-11-08T05:00:00Z) - 1h)",
        '| where TimeGenerated > (datetime(2026-11-08T05:00:00Z) - recent) or ResultType == "0"',
    ]


def test_a_value_that_is_neither_a_timespan_nor_a_name_is_a_template_error(
    repo: Path, detection: Callable[..., None]
) -> None:
    detection(kql='SigninLogs\n| where TimeGenerated > {{ ago("1h; drop") }}\n')
    [loaded] = load_repository(repo).detections
    with pytest.raises(TemplateError) as raised:
        loaded.render()
    assert str(raised.value).startswith("queries/identity/example.kql:2")
    assert "neither a timespan such as 1h nor a KQL name" in str(raised.value)


def test_an_anchored_window_replayed_days_later_still_sees_its_rows(
    repo: Path, detection: Callable[..., None]
) -> None:
    """What Azure does when the runner catches up: `now()` is the real time, the timespan is the window."""
    detection(kql="SigninLogs\n| where TimeGenerated > {{ ago(lookback) }}\n")
    [loaded] = load_repository(repo).detections
    signins = Table(
        [Column("TimeGenerated", "datetime"), Column("ResultType", "string")],
        [[WINDOW.start + timedelta(minutes=30), "0"]],
    )
    engine = LocalEngine({"SigninLogs": signins})
    days_later = WINDOW.end + timedelta(days=3)
    span = (WINDOW.start, WINDOW.end)
    plain = WindowTemplate(loaded).render(WINDOW)
    anchored = WindowTemplate(loaded, anchor_now=True).render(WINDOW)
    assert engine.query(plain, now=days_later, timespan=span).rows == []  # the bug the anchor prevents
    assert len(engine.query(anchored, now=days_later, timespan=span).rows) == 1
