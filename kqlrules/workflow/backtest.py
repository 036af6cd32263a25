"""Backtest: replay detections' schedules over a past interval, as the runner would have run them.

The windows are the runner's (`kqlrules.runner.schedule`): a detection with frequency F and period P runs
for the windows [E - P, E) whose end E is a multiple of F with `start < E <= end`. Each window's query gets
the window as its timespan and as the params `window_start`/`window_end`, its result goes through the
runner's trigger and alert building (`kqlrules.runner.evaluate`), and `suppress_for` holds back repeats as
the runner's state would; an event already alerted (an overlapping period sees it twice) is not alerted again,
as in the runner. Nothing is delivered and nothing is stored.

An alert counts on the UTC day of its window's last instant, so a daily window [11-07, 11-08) counts on
11-07, the day whose events raised it.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from kqlrules.datetimes import format_datetime
from kqlrules.errors import KqlrulesError
from kqlrules.rules import LoadedDetection
from kqlrules.runner import (
    Alert,
    Limits,
    Window,
    WindowTemplate,
    backoff,
    evaluate,
    first_end,
    suppressed_by,
    window_ending,
)
from kqlrules.table import Table
from kqlrules.workspace import Workspace, WorkspaceError

MAX_WINDOWS = 20_000
TOP_ENTITIES = 10
_LAST_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class EntityCount:
    type: str
    identifiers: dict[str, Any]
    alerts: int

    @property
    def label(self) -> str:
        return f"{self.type} " + ", ".join(str(value) for value in self.identifiers.values())


@dataclass
class DetectionBacktest:
    """What one detection would have done over the interval."""

    key: str
    id: str
    name: str
    severity: str
    frequency: timedelta
    period: timedelta
    windows: int = 0
    windows_fired: int = 0
    rows: int = 0
    alerts: list[Alert] = field(default_factory=list)
    suppressed: int = 0
    per_day: dict[date, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def alert_count(self) -> int:
        return len(self.alerts)

    def top_entities(self, limit: int = TOP_ENTITIES) -> list[EntityCount]:
        """The entities (type and identifier values, from the entity mappings) in the most alerts."""
        counts: Counter[str] = Counter()
        seen: dict[str, tuple[str, dict[str, Any]]] = {}
        for alert in self.alerts:
            for entity in alert.entities:
                identifiers = {k: v for k, v in entity.items() if k != "type" and v not in (None, "")}
                if not identifiers:
                    continue
                label = repr((entity["type"], sorted(identifiers.items(), key=str)))
                counts[label] += 1
                seen[label] = (str(entity["type"]), identifiers)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [EntityCount(seen[label][0], seen[label][1], count) for label, count in ranked]

    def to_json(self) -> dict[str, Any]:
        return {
            "detection": self.key,
            "id": self.id,
            "name": self.name,
            "severity": self.severity,
            "frequency": self.frequency.total_seconds(),
            "period": self.period.total_seconds(),
            "windows": self.windows,
            "windows_fired": self.windows_fired,
            "rows": self.rows,
            "alerts": self.alert_count,
            "suppressed": self.suppressed,
            "alerts_per_day": [{"day": day.isoformat(), "alerts": n} for day, n in self.per_day.items()],
            "top_entities": [
                {"type": e.type, "identifiers": e.identifiers, "alerts": e.alerts}
                for e in self.top_entities()
            ],
            "first_alerts": [
                {"window_end": format_datetime(a.window.end), "title": a.title} for a in self.alerts[:20]
            ],
            "error": self.error,
        }


@dataclass
class Backtest:
    start: datetime
    end: datetime
    detections: list[DetectionBacktest]

    @property
    def days(self) -> list[date]:
        return days_between(self.start, self.end)

    @property
    def failed(self) -> bool:
        return any(d.error is not None for d in self.detections)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": format_datetime(self.start),
            "to": format_datetime(self.end),
            "days": [day.isoformat() for day in self.days],
            "detections": [d.to_json() for d in self.detections],
        }


def days_between(start: datetime, end: datetime) -> list[date]:
    first, last = start.date(), (end - _LAST_INSTANT).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def windows_between(frequency: timedelta, period: timedelta, start: datetime, end: datetime) -> list[Window]:
    """The runner's windows whose end lies in (start, end], oldest first."""
    windows = []
    window_end = first_end(start, frequency, timedelta(0), since=start)
    while window_end <= end:
        windows.append(window_ending(window_end, period))
        window_end += frequency
    return windows


def check_interval(start: datetime, end: datetime) -> None:
    if start >= end:
        raise KqlrulesError(
            f"--from {format_datetime(start)} is not before --to {format_datetime(end)}",
            hint="the interval to replay runs from --from to a later --to",
        )


def backtest(
    detections: Sequence[LoadedDetection],
    workspace: Workspace,
    start: datetime,
    end: datetime,
    *,
    limits: Limits | None = None,
    anchor_now: bool = False,
    progress: Callable[[LoadedDetection, int], None] | None = None,
    on_window: Callable[[], None] | None = None,
) -> Backtest:
    """Replay each detection over [start, end); a query error stops that detection, not the others.
    `anchor_now` is for workspaces whose `now()` is the real time (Azure), as the runner's."""
    check_interval(start, end)
    plans = []
    for detection in detections:
        schedule = detection.meta.schedule
        windows = windows_between(schedule.frequency, schedule.period, start, end)
        if len(windows) > MAX_WINDOWS:
            raise KqlrulesError(
                f"{detection.key}: {len(windows):,} windows between --from and --to; at most {MAX_WINDOWS:,}",
                hint="backtest a shorter interval",
            )
        plans.append((detection, windows))
    results = []
    for detection, windows in plans:
        if progress is not None:
            progress(detection, len(windows))
        results.append(
            _replay(detection, windows, workspace, start, end, limits or Limits(), anchor_now, on_window)
        )
    return Backtest(start, end, results)


def _replay(
    detection: LoadedDetection,
    windows: list[Window],
    workspace: Workspace,
    start: datetime,
    end: datetime,
    limits: Limits,
    anchor_now: bool,
    on_window: Callable[[], None] | None = None,
) -> DetectionBacktest:
    meta = detection.meta
    result = DetectionBacktest(
        detection.key,
        meta.id,
        meta.name,
        str(meta.severity),
        meta.schedule.frequency,
        meta.schedule.period,
        per_day=dict.fromkeys(days_between(start, end), 0),
    )
    last_alert_end: dict[str, datetime] = {}
    alerted: set[tuple[str, str]] = set()  # (entity key, event time), as the runner's state keeps them
    rng = random.Random(0)
    template = WindowTemplate(detection, anchor_now=anchor_now)
    for window in windows:
        if on_window is not None:
            on_window()
        try:
            text = template.render(window)
            table = _query(workspace, text, window, limits, rng)
            evaluation, alerts = evaluate(meta, window, table, lambda pairs: alerted & set(pairs))
        except KqlrulesError as error:
            result.error = f"window {window}: {_in_template(template, error)}"
            break
        result.windows += 1
        result.rows += evaluation.row_count
        result.windows_fired += evaluation.fired
        for alert in alerts:
            alerted.update((alert.entity_key, event) for event in alert.events)
            if suppressed_by(last_alert_end.get(alert.entity_key), window, meta.suppress_for):
                result.suppressed += 1
                continue
            last_alert_end[alert.entity_key] = window.end
            result.alerts.append(alert)
            day = (window.end - _LAST_INSTANT).date()
            result.per_day[day] = result.per_day.get(day, 0) + 1
    return result


def _query(workspace: Workspace, kql: str, window: Window, limits: Limits, rng: random.Random) -> Table:
    """The workspace's answer, retrying the service's transient failures as the runner does."""
    attempt = 1
    while True:
        try:
            return workspace.query(kql, (window.start, window.end))
        except WorkspaceError as error:
            if not error.retryable or attempt >= limits.max_attempts:
                raise
            retry_after = getattr(error, "retry_after", None)
            time.sleep(backoff(attempt, limits, retry_after, rng).total_seconds())
            attempt += 1


def _in_template(template: WindowTemplate, error: KqlrulesError) -> str:
    """A query error at its place in the template (the rendered query's line map knows it)."""
    where = error.location
    place = None if where is None or where.line <= 0 else template.locate(where.line, where.col)
    if place is None:
        return str(error)
    return str(KqlrulesError(error.message, place, hint=error.hint))
