"""Which alerts a detection raised on the sample week were expected, and which were false.

An alert belongs to a story when its window overlaps the story's time and it names one of the story's
actors (a user, an address, a resource). Per detection, each alert is then:
- on a story: a story that names the detection in `fires` (what the detection is for);
- on a look-alike: a story that names it in `must_not_fire` (the hand-picked traps);
- on the background: everything else, the ordinary week's churn nobody picked to be quiet.
Precision is the share of alerts on stories. The generated workspace folder keeps the stories in
`_sample/stories.json`, so `kqlrules backtest` over it can score too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kqlrules.datetimes import parse_datetime
from kqlrules.sample.stories import Story

MANIFEST = Path("_sample") / "stories.json"


@dataclass(frozen=True)
class DetectionScore:
    detection: str
    on_stories: int
    on_look_alikes: int
    on_background: int

    @property
    def alerts(self) -> int:
        return self.on_stories + self.on_look_alikes + self.on_background

    @property
    def false_alerts(self) -> int:
        return self.on_look_alikes + self.on_background

    @property
    def precision(self) -> float | None:
        return self.on_stories / self.alerts if self.alerts else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "detection": self.detection,
            "alerts": self.alerts,
            "on_stories": self.on_stories,
            "on_look_alikes": self.on_look_alikes,
            "on_background": self.on_background,
            "precision": self.precision,
        }


def matches(alert: Mapping[str, Any], story: Story) -> bool:
    """The alert's window overlaps the story and the alert names one of its actors."""
    start, end = (_instant(alert["window"][key]) for key in ("start", "end"))
    if start > story.end or end <= story.start:
        return False
    text = json.dumps(alert, default=str).lower()
    actors = [actor.lower() for actor in story.actors]
    return not actors or any(actor in text for actor in actors)


def classify(alert: Mapping[str, Any], detection: str, stories: Iterable[Story]) -> str:
    """ "story", "look-alike" or "background" for one alert of `detection` (a file stem)."""
    candidates = list(stories)
    if any(detection in s.fires and matches(alert, s) for s in candidates):
        return "story"
    if any(detection in s.must_not_fire and matches(alert, s) for s in candidates):
        return "look-alike"
    return "background"


def score(
    alerts: Iterable[Mapping[str, Any]], stems_by_id: Mapping[str, str], stories: Sequence[Story]
) -> list[DetectionScore]:
    """One score per detection in `stems_by_id` (detection id -> file stem), quiet ones included."""
    counts = {stem: {"story": 0, "look-alike": 0, "background": 0} for stem in stems_by_id.values()}
    for alert in alerts:
        stem = stems_by_id.get(str(alert["detection"]["id"]))
        if stem is not None:
            counts[stem][classify(alert, stem, stories)] += 1
    return [
        DetectionScore(stem, c["story"], c["look-alike"], c["background"])
        for stem, c in sorted(counts.items())
    ]


def write_manifest(folder: Path, stories: Sequence[Story]) -> Path:
    path = folder / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([s.as_dict() for s in stories], indent=1) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path) -> tuple[Story, ...] | None:
    """The stories of a generated sample folder, or None for any other workspace."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    return tuple(_story(item) for item in json.loads(path.read_text(encoding="utf-8")))


def _story(item: Mapping[str, Any]) -> Story:
    return Story(
        name=str(item["name"]),
        title=str(item["title"]),
        malicious=bool(item["malicious"]),
        start=_instant(str(item["start"])),
        end=_instant(str(item["end"])),
        actors=tuple(item["actors"]),
        tables=tuple(item["tables"]),
        fires=tuple(item["fires"]),
        must_not_fire=tuple(item["must_not_fire"]),
    )


def _instant(text: str) -> datetime:
    return parse_datetime(text)
