"""`generate()`: the sample tenant's week, written as a local workspace folder of `<Table>.jsonl` files."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kqlrules.datetimes import format_datetime_milliseconds
from kqlrules.sample.background import generate_background
from kqlrules.sample.columns import TABLES
from kqlrules.sample.directory import Tenant, build_tenant
from kqlrules.sample.records import Recorder, Row
from kqlrules.sample.scoring import write_manifest
from kqlrules.sample.stories import STORIES, Scene, Story
from kqlrules.sample.timeline import DEFAULT_START, Timeline

DEFAULT_SEED = 7
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class GeneratedTenant:
    folder: Path
    seed: int
    start: datetime
    end: datetime
    tenant: Tenant
    files: dict[str, Path]
    row_counts: dict[str, int]
    stories: tuple[Story, ...]

    def story(self, name: str) -> Story:
        for story in self.stories:
            if story.name == name:
                return story
        raise KeyError(f"no story {name!r}; stories: {', '.join(s.name for s in self.stories)}")

    def expected_detections(self) -> dict[str, list[str]]:
        """Detection name -> the stories that must make it fire."""
        expected: dict[str, list[str]] = {}
        for story in self.stories:
            for detection in story.fires:
                expected.setdefault(detection, []).append(story.name)
        return dict(sorted(expected.items()))


def generate(
    out: Path, seed: int = DEFAULT_SEED, start: datetime | None = None, days: int = DEFAULT_DAYS
) -> GeneratedTenant:
    """Write the week to `out` (created if needed); the same arguments always give the same bytes."""
    rng = random.Random(seed)
    time = Timeline(start or DEFAULT_START, days, rng)
    tenant = build_tenant(rng)
    scene = Scene(tenant, Recorder(tenant, rng), time, seed)
    stories = tuple(definition.play(scene) for definition in STORIES)
    generate_background(scene.fork("background"))
    out.mkdir(parents=True, exist_ok=True)
    files, counts = {}, {}
    for table, rows in scene.log.rows.items():
        path = out / f"{table}.jsonl"
        path.write_text("".join(_line(table, row) for row in _in_time_order(rows)), encoding="utf-8")
        files[table], counts[table] = path, len(rows)
    write_manifest(out, stories)
    return GeneratedTenant(out, seed, time.start, time.end, tenant, files, counts, stories)


def _in_time_order(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: row["TimeGenerated"])


def _line(table: str, row: Row) -> str:
    columns = TABLES[table]
    ordered = {name: _value(row[name], name in columns.dynamic) for name in columns.names if name in row}
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n"


def _value(value: Any, dynamic: bool) -> Any:
    if isinstance(value, datetime):
        return format_datetime_milliseconds(value)
    if isinstance(value, dict | list) and not dynamic:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value
