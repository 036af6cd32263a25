"""From a window's query result to alerts.

The trigger looks at the whole result's row count. When it fires, the rows are grouped by their entities
(every mapped entity column's value): one alert per group, so suppression can hold back one user or host
while others still alert. A detection without entity mappings raises one alert per window. Custom details
list each column's distinct values in the group, in row order.

An alert's identity is its events, not its window. Each row is an event, known by its time: the row's
`TimeGenerated`, or else the row's datetime columns (a summarized row's `StartTime`/`EndTime`), or else, for
a result with no time at all, the window itself. An alert's fingerprint hashes the detection id, the entity
group's key and the sorted event times, and a row whose (detection, entities, time) was already alerted is
left out of later alerts: the same rows seen again through another window (an overlapping period, a changed
frequency, a window replayed after a crash) alert nothing new. See docs/runner.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kqlrules.datetimes import format_datetime
from kqlrules.errors import KqlrulesError
from kqlrules.rules import Detection
from kqlrules.runner.schedule import Window
from kqlrules.table import Table

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
TIME_COLUMN = "TimeGenerated"

EventKey = tuple[str, str]  # (entity key, event time)
AlreadyAlerted = Callable[[list[EventKey]], set[EventKey]]


class ResultShapeError(KqlrulesError):
    """The query's result lacks a column that the detection's entities or custom details name."""


@dataclass(frozen=True)
class TriggerEvaluation:
    operator: str
    threshold: int
    row_count: int
    fired: bool


@dataclass
class Alert:
    fingerprint: str
    detection_id: str
    detection_name: str
    severity: str
    title: str
    description: str
    window: Window
    trigger: TriggerEvaluation
    entity_key: str
    entities: list[dict[str, Any]]
    custom_details: dict[str, list[Any]]
    row_count: int
    tactics: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    suppressed: bool = False

    def payload(self) -> dict[str, Any]:
        """The JSON every sink receives; `idempotency_key` is the fingerprint."""
        return {
            "idempotency_key": self.fingerprint,
            "fingerprint": self.fingerprint,
            "detection": {"id": self.detection_id, "name": self.detection_name, "severity": self.severity},
            "title": self.title,
            "description": self.description,
            "window": {"start": format_datetime(self.window.start), "end": format_datetime(self.window.end)},
            "trigger": {
                "operator": self.trigger.operator,
                "threshold": self.trigger.threshold,
                "row_count": self.trigger.row_count,
                "fired": self.trigger.fired,
            },
            "entities": self.entities,
            "custom_details": self.custom_details,
            "row_count": self.row_count,
            "first_event": self.events[0] if self.events else None,
            "last_event": self.events[-1] if self.events else None,
            "tactics": self.tactics,
            "techniques": self.techniques,
        }


def evaluate(
    detection: Detection, window: Window, result: Table, already_alerted: AlreadyAlerted | None = None
) -> tuple[TriggerEvaluation, list[Alert]]:
    """The trigger over the whole result, then one alert per entity group of the rows not yet alerted;
    `already_alerted` answers which (entity key, event time) pairs earlier alerts hold."""
    trigger = detection.trigger
    evaluation = TriggerEvaluation(
        trigger.operator, trigger.threshold, len(result), trigger.fires(len(result))
    )
    if not evaluation.fired:
        return evaluation, []
    _check_columns(detection, result)
    times = _time_columns(result)
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for record in result.records():
        groups.setdefault(entity_key(detection, record), []).append((_event(record, times, window), record))
    if not groups:  # fired on zero rows (`eq 0`, `lt N`): one alert for the window
        groups[entity_key(detection, {})] = [(window_event(window), {})]
    if already_alerted is not None:
        seen = already_alerted([(key, ev) for key, rows in groups.items() for ev, _ in rows])
        kept = {k: [r for r in rows if (k, r[0]) not in seen] for k, rows in groups.items()}
        groups = {k: rows for k, rows in kept.items() if rows}
    return evaluation, [_alert(detection, window, evaluation, key, rows) for key, rows in groups.items()]


def window_event(window: Window) -> str:
    """The event time of a result without times: the window (such alerts are one per window)."""
    return f"window {format_datetime(window.start)}/{format_datetime(window.end)}"


def _time_columns(result: Table) -> list[str]:
    names = result.column_names
    if TIME_COLUMN in names:
        return [TIME_COLUMN]
    return [c.name for c in result.columns if c.type == "datetime"]


def _event(record: dict[str, Any], times: list[str], window: Window) -> str:
    values = [record.get(c) for c in times]
    if not any(isinstance(v, datetime) for v in values):
        return window_event(window)
    return "/".join(format_datetime(v) if isinstance(v, datetime) else "" for v in values)


def entity_key(detection: Detection, record: dict[str, Any]) -> str:
    values = [
        [entity.type, identifier, _plain(record.get(column))]
        for entity in detection.entities
        for identifier, column in sorted(entity.fields.items())
    ]
    return json.dumps(values, separators=(",", ":"), default=str)


def fingerprint(detection_id: str, key: str, events: Iterable[str]) -> str:
    """The alert's identity: its detection, its entities and its events' times (never its window)."""
    text = "|".join([detection_id, key, *sorted(set(events))])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def suppressed_by(last_alert_end: datetime | None, window: Window, suppress_for: timedelta | None) -> bool:
    """An alert is held back while an earlier alert for the same entities is younger than `suppress_for`."""
    if suppress_for is None or last_alert_end is None or last_alert_end >= window.end:
        return False
    return window.end - last_alert_end < suppress_for


def _check_columns(detection: Detection, result: Table) -> None:
    present = set(result.column_names)
    wanted = [c for entity in detection.entities for c in entity.fields.values()]
    wanted += list(detection.custom_details.values())
    missing = sorted({c for c in wanted if c not in present})
    if missing:
        raise ResultShapeError(
            f"detection {detection.name!r}: the query result has no column(s) {', '.join(missing)}",
            hint="entities and custom_details must name columns the query returns",
        )


def _alert(
    detection: Detection,
    window: Window,
    evaluation: TriggerEvaluation,
    key: str,
    events_and_rows: list[tuple[str, dict[str, Any]]],
) -> Alert:
    events = sorted({ev for ev, _ in events_and_rows})
    rows = [row for _, row in events_and_rows if row]
    first = rows[0] if rows else {}
    # As in Sentinel, an identifier without a value is left out, and an entity left with none is not made.
    entities = []
    for entity in detection.entities:
        values = {name: _plain(first.get(column)) for name, column in entity.fields.items()}
        present = {name: value for name, value in values.items() if value not in (None, "")}
        if present:
            entities.append({"type": entity.type, **present})
    details: dict[str, list[Any]] = {}
    for name, column in detection.custom_details.items():
        seen: list[Any] = []
        for row in rows:
            value = _plain(row.get(column))
            if value not in seen:
                seen.append(value)
        details[name] = seen
    return Alert(
        fingerprint=fingerprint(detection.id, key, events),
        detection_id=detection.id,
        detection_name=detection.name,
        severity=str(detection.severity),
        title=_fill(detection.alert.title or detection.name, first),
        description=_fill(detection.alert.description or detection.description, first),
        window=window,
        trigger=evaluation,
        entity_key=key,
        entities=entities,
        custom_details=details,
        row_count=len(rows),
        tactics=list(detection.tactics),
        techniques=list(detection.techniques),
        events=events,
    )


def _fill(template: str, record: dict[str, Any]) -> str:
    """Sentinel's alert name/description format: `{{Column}}` takes the group's first row's value."""
    return _PLACEHOLDER.sub(lambda m: str(_plain(record.get(m.group(1), m.group(0)))), template)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value
