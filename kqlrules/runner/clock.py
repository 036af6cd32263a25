"""Time for the runner: the wall clock, or a simulated clock that jumps ahead whenever the runner would wait.

The runner only ever waits through `sleep_until`, and only while nothing is in flight, so on a simulated
clock days of schedule pass in the time the queries themselves take.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep_until(self, when: datetime, interrupt: threading.Event) -> None:
        """Return at `when`, or earlier if `interrupt` is set."""
        ...

    def real_seconds_until(self, when: datetime) -> float | None:
        """How long to wait in real time for `when`; None when time only moves by `sleep_until`."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep_until(self, when: datetime, interrupt: threading.Event) -> None:
        seconds = (when - self.now()).total_seconds()
        if seconds > 0:
            interrupt.wait(seconds)

    def real_seconds_until(self, when: datetime) -> float | None:
        return max(0.0, (when - self.now()).total_seconds())


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep_until(self, when: datetime, interrupt: threading.Event) -> None:
        with self._lock:
            if when > self._now and not interrupt.is_set():
                self._now = when

    def real_seconds_until(self, when: datetime) -> float | None:
        return None
