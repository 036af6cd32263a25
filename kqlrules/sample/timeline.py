"""The week being generated: days counted from its start (0, 1, ...) or from its end (-1 is the last day)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kqlrules.errors import KqlrulesError

# A fixed Monday, so that the default week is the same on every machine and every day.
DEFAULT_START = datetime(2026, 11, 2, tzinfo=UTC)
MIN_DAYS = 4


class SampleError(KqlrulesError):
    """Arguments the sample tenant cannot be generated with."""


@dataclass
class Timeline:
    start: datetime
    days: int
    rng: random.Random
    # (user name, day index) pairs a story owns: background activity leaves those users alone that day.
    reserved: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.days < MIN_DAYS:
            raise SampleError(f"days must be at least {MIN_DAYS} (a baseline, then the stories)")
        if self.start.tzinfo is None:
            self.start = self.start.replace(tzinfo=UTC)
        self.start = self.start.astimezone(UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def index(self, day: int) -> int:
        return day if day >= 0 else self.days + day

    def day(self, day: int) -> datetime:
        return self.start + timedelta(days=self.index(day))

    def at(self, day: int, clock: str, *, jitter: bool = True) -> datetime:
        """`at(-2, "03:05")`: that time on that day, plus a few seeded seconds so times look real."""
        hours, minutes = (int(part) for part in clock.split(":"))
        seconds = self.rng.randint(0, 59) if jitter else 0
        millis = self.rng.randint(0, 999) if jitter else 0
        return self.day(day) + timedelta(hours=hours, minutes=minutes, seconds=seconds, milliseconds=millis)

    def reserve(self, user: str, *days: int) -> None:
        for day in days:
            self.reserved.add((user, self.index(day)))

    def is_reserved(self, user: str, day_index: int) -> bool:
        return (user, day_index) in self.reserved

    def is_weekend(self, day_index: int) -> bool:
        return (self.start + timedelta(days=day_index)).weekday() >= 5
