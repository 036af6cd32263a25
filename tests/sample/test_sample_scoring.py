"""Alerts on the sample week are split into those on stories, on look-alikes and on the background."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kqlrules.sample import GeneratedTenant
from kqlrules.sample.scoring import classify, read_manifest, score
from kqlrules.sample.stories import Story

T0 = datetime(2026, 11, 7, 3, 0, tzinfo=UTC)
ATTACK = Story("attack", "an attack", True, T0, T0, ("eve@contoso.com",), ("AuditLogs",), fires=("rule",))
TRAP = Story(
    "trap", "a look-alike", False, T0, T0, ("bob@contoso.com",), ("AuditLogs",), must_not_fire=("rule",)
)


def _alert(
    text: str, start: str = "2026-11-07T02:00:00Z", end: str = "2026-11-07T04:00:00Z"
) -> dict[str, Any]:
    return {"detection": {"id": "id-1"}, "window": {"start": start, "end": end}, "title": text}


def test_an_alert_naming_an_attack_actor_in_its_window_is_on_the_story() -> None:
    assert classify(_alert("eve@contoso.com did it"), "rule", [ATTACK, TRAP]) == "story"


def test_an_alert_on_a_look_alike_is_a_false_alert_of_its_own_kind() -> None:
    assert classify(_alert("bob@contoso.com did it"), "rule", [ATTACK, TRAP]) == "look-alike"


def test_an_alert_outside_the_story_window_or_about_someone_else_is_background() -> None:
    late = _alert("eve@contoso.com", "2026-11-07T05:00:00Z", "2026-11-07T06:00:00Z")
    assert classify(late, "rule", [ATTACK, TRAP]) == "background"
    assert classify(_alert("carol@contoso.com"), "rule", [ATTACK, TRAP]) == "background"
    # A story only counts for the detections it names.
    assert classify(_alert("eve@contoso.com"), "other_rule", [ATTACK, TRAP]) == "background"


def test_scores_count_every_detection_and_give_precision() -> None:
    alerts = [_alert("eve@contoso.com"), _alert("bob@contoso.com"), _alert("carol@contoso.com")]
    scores = score(alerts, {"id-1": "rule", "id-2": "quiet_rule"}, [ATTACK, TRAP])
    by_name = {s.detection: s for s in scores}
    assert (by_name["rule"].on_stories, by_name["rule"].on_look_alikes, by_name["rule"].on_background) == (
        1,
        1,
        1,
    )
    assert by_name["rule"].precision == 1 / 3
    assert by_name["quiet_rule"].alerts == 0 and by_name["quiet_rule"].precision is None


def test_the_generated_folder_keeps_its_stories_for_backtest(week: GeneratedTenant) -> None:
    assert read_manifest(week.folder) == week.stories


def test_another_folder_has_no_stories(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None
