"""Which windows a detection looks at, and when.

A detection with frequency F, period P and ingestion delay D runs for the windows ending at multiples of F
(counted from the Unix epoch, so 5m windows end at :00, :05, ... and 1d windows at midnight UTC). The window
ending at E is [E - P, E), and it runs at E + D, once the events of the window have had D to arrive.

A window is cut on `TimeGenerated` (scheduled detections, as Sentinel's scheduled rules) or on ingestion
time (`sentinel: {kind: NRT}` detections, as Sentinel's near-real-time rules, which run every minute over
the rows ingested in the minute before: https://learn.microsoft.com/azure/sentinel/near-real-time-rules).
An ingestion-time window [S, E) takes the rows whose `ingestion_time()` is in it and whose `TimeGenerated`
is no older than S - lookback, so a row is seen exactly once however late it arrives (within the look-back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kqlrules.datetimes import format_datetime
from kqlrules.rules import QUERY_NOW, Detection

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_DELAY = timedelta(minutes=5)
GENERATED = "TimeGenerated"
INGESTION = "ingestion_time"
NRT_FREQUENCY = timedelta(minutes=1)  # Sentinel's NRT rules run once a minute
DEFAULT_LOOKBACK = timedelta(hours=12)  # how late a row may arrive and still be seen by an NRT window


@dataclass(frozen=True, order=True)
class Window:
    start: datetime
    end: datetime
    basis: str = field(default=GENERATED, compare=False)  # what the bounds are times of
    lookback: timedelta = field(default=timedelta(0), compare=False)  # ingestion windows: TimeGenerated bound
    frequency: timedelta | None = field(default=None, compare=False)

    @property
    def timespan(self) -> tuple[datetime, datetime]:
        """The query's `timespan` (always on TimeGenerated): the window, or for an ingestion-time window
        its look-back on TimeGenerated up to its end."""
        return (self.start - self.lookback, self.end)

    def __str__(self) -> str:
        return f"[{format_datetime(self.start)}, {format_datetime(self.end)})"


def align_down(moment: datetime, frequency: timedelta) -> datetime:
    return EPOCH + ((moment - EPOCH) // frequency) * frequency


def window_ending(
    end: datetime,
    period: timedelta,
    basis: str = GENERATED,
    lookback: timedelta = timedelta(0),
    frequency: timedelta | None = None,
) -> Window:
    return Window(end - period, end, basis, lookback if basis == INGESTION else timedelta(0), frequency)


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


@dataclass(frozen=True)
class Cadence:
    """How a detection is run: its frequency, period and what its windows are cut on."""

    frequency: timedelta
    period: timedelta
    basis: str


def cadence(detection: Detection) -> Cadence:
    if detection.sentinel.kind == "NRT":
        return Cadence(NRT_FREQUENCY, NRT_FREQUENCY, INGESTION)
    return Cadence(detection.schedule.frequency, detection.schedule.period, GENERATED)


def template_params(window: Window, *, anchor_now: bool) -> dict[str, Any]:
    """The params a detection's template is rendered with for `window`: its bounds (`window_start`,
    `window_end`), `window_frequency` and `window_period` (timespans), `window_basis` (`TimeGenerated` or
    `ingestion_time`), and with `anchor_now` (a workspace whose `now()` is the real time) `query_now`, so
    `{{ ago(span) }}` counts from its end."""
    params: dict[str, Any] = {
        "window_start": window.start,
        "window_end": window.end,
        "window_frequency": window.frequency or (window.end - window.start),
        "window_period": window.end - window.start,
        "window_basis": window.basis,
    }
    if anchor_now:
        params[QUERY_NOW] = window.end
    return params
