"""Which windows a detection looks at, and when.

A detection with frequency F, period P and ingestion delay D runs for the windows ending at multiples of F
(counted from the Unix epoch, so 5m windows end at :00, :05, ... and 1d windows at midnight UTC). The window
ending at E is [E - P, E), and it runs at E + D, once the events of the window have had D to arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kqlrules.rules.clock import QUERY_NOW
from kqlrules.workspace.wire import format_datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_DELAY = timedelta(minutes=5)


@dataclass(frozen=True, order=True)
class Window:
    start: datetime
    end: datetime

    def __str__(self) -> str:
        return f"[{format_datetime(self.start)}, {format_datetime(self.end)})"


def align_down(moment: datetime, frequency: timedelta) -> datetime:
    return EPOCH + ((moment - EPOCH) // frequency) * frequency


def window_ending(end: datetime, period: timedelta) -> Window:
    return Window(end - period, end)


def latest_end(now: datetime, frequency: timedelta, delay: timedelta) -> datetime:
    """The end of the newest window whose run time (end + delay) has come."""
    return align_down(now - delay, frequency)


def first_end(now: datetime, frequency: timedelta, delay: timedelta, since: datetime | None) -> datetime:
    """Where a detection never run before starts: the window after `since`, or else the newest due window."""
    if since is None:
        return latest_end(now, frequency, delay)
    return align_down(since, frequency) + frequency


def catch_up(
    next_end: datetime, now: datetime, frequency: timedelta, delay: timedelta, max_windows: int | None
) -> tuple[datetime, int]:
    """After downtime, keep only the newest `max_windows` missed windows: (the end to run next, skipped).
    Without a cap (`None`, the default) every missed window runs."""
    if max_windows is None:
        return next_end, 0
    newest = latest_end(now, frequency, delay)
    missed = (newest - next_end) // frequency + 1
    if missed <= max_windows:
        return next_end, 0
    skipped = missed - max_windows
    return next_end + skipped * frequency, skipped


def template_params(window: Window, *, anchor_now: bool) -> dict[str, Any]:
    """The params a detection's template is rendered with for `window`: its bounds, and with `anchor_now`
    (a workspace whose `now()` is the real time) `query_now`, so `{{ ago(span) }}` counts from its end."""
    params: dict[str, Any] = {"window_start": window.start, "window_end": window.end}
    if anchor_now:
        params[QUERY_NOW] = window.end
    return params
