"""What a story is: a function that writes rows into the week, registered with `@story(...)` and its
metadata (title, attack or look-alike, which detections must fire and which must stay quiet).

The story's name is its function's name, the tables it touched are the ones it wrote rows to, and its
start, end and actors are what the function returns (`Played`); nothing is said twice. Each story writes
with a random generator of its own (seeded by the week's seed and its name), so adding or reordering
stories leaves every other story's rows as they were.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kqlrules.datetimes import format_datetime_milliseconds
from kqlrules.sample.directory import Tenant, User
from kqlrules.sample.records import Recorder
from kqlrules.sample.timeline import Timeline


@dataclass(frozen=True)
class Story:
    name: str
    title: str
    malicious: bool
    start: datetime
    end: datetime
    actors: tuple[str, ...]
    tables: tuple[str, ...]
    fires: tuple[str, ...] = ()
    must_not_fire: tuple[str, ...] = ()

    @property
    def check_at(self) -> datetime:
        """The first full hour after the story: when an hourly rule run covers all of it."""
        top = self.end.replace(minute=0, second=0, microsecond=0)
        return top + timedelta(hours=1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "malicious": self.malicious,
            "start": format_datetime_milliseconds(self.start),
            "end": format_datetime_milliseconds(self.end),
            "check_at": format_datetime_milliseconds(self.check_at),
            "actors": list(self.actors),
            "tables": list(self.tables),
            "fires": list(self.fires),
            "must_not_fire": list(self.must_not_fire),
        }


@dataclass(frozen=True)
class Played:
    """What a story function reports: when its rows start and end, and the names that identify them."""

    start: datetime
    end: datetime
    actors: tuple[str, ...]


@dataclass
class Scene:
    """What a story writes with: the tenant, the rows, and the week."""

    tenant: Tenant
    log: Recorder
    time: Timeline
    seed: int = 0

    def user(self, name: str) -> User:
        return self.tenant.user(name)

    def at(self, day: int, clock: str) -> datetime:
        return self.time.at(day, clock)

    def fork(self, label: str) -> Scene:
        """The same tenant, rows and reservations, with a generator of its own for `label`."""
        rng = random.Random(f"{self.seed}:{label}")
        time = Timeline(self.time.start, self.time.days, rng, self.time.reserved)
        return Scene(self.tenant, Recorder(self.tenant, rng, self.log.rows), time, self.seed)


StoryFunction = Callable[[Scene], Played]


@dataclass(frozen=True)
class StoryDefinition:
    name: str
    title: str
    malicious: bool
    fires: tuple[str, ...]
    must_not_fire: tuple[str, ...]
    write: StoryFunction = field(repr=False)

    def play(self, scene: Scene) -> Story:
        before = {table: len(rows) for table, rows in scene.log.rows.items()}
        played = self.write(scene.fork(self.name))
        tables = tuple(table for table, rows in scene.log.rows.items() if len(rows) > before[table])
        return Story(
            self.name,
            self.title,
            self.malicious,
            played.start,
            played.end,
            played.actors,
            tables,
            self.fires,
            self.must_not_fire,
        )


STORIES: list[StoryDefinition] = []


def story(
    title: str,
    *,
    malicious: bool = False,
    fires: tuple[str, ...] = (),
    must_not_fire: tuple[str, ...] = (),
) -> Callable[[StoryFunction], StoryFunction]:
    """Register a story; `fires` and `must_not_fire` name detections (file stems under `queries/`)."""

    def register(function: StoryFunction) -> StoryFunction:
        STORIES.append(StoryDefinition(function.__name__, title, malicious, fires, must_not_fire, function))
        return function

    return register
