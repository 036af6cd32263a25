"""Checking a query's result against a case's `expect`: alerts, no_alerts, rows, columns.

`alerts` counts rows after the detection's trigger: a query that returns 3 rows raises 3 alerts when the
trigger (say `gt 0`) fires, and none when it does not (say `gt 5`). An expected row matches a result row
when every column it names is equal; lists compare as multisets, since `make_set` has no order.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kqlrules.datetimes import format_datetime
from kqlrules.errors import Location
from kqlrules.rules import Trigger
from kqlrules.table import Table
from kqlrules.testing.cases import Expectation, RowSource, TestCase
from kqlrules.testing.values import coerce
from kqlrules.workspace import CellTypeError


@dataclass(frozen=True)
class Failure:
    """One unmet expectation: what was wanted, what happened, and where the expectation is written."""

    message: str
    location: Location | None = None
    diff: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text}\n{self.diff}" if self.diff else text


def alert_count(result: Table, trigger: Trigger) -> int:
    return len(result) if trigger.fires(len(result)) else 0


def check(expect: Expectation, result: Table, trigger: Trigger, case: TestCase) -> list[Failure]:
    failures: list[Failure] = []
    alerts = alert_count(result, trigger)
    where = expect.location
    trigger_text = f"trigger {trigger.operator} {trigger.threshold}"
    if expect.alerts is not None and alerts != expect.alerts:
        failures.append(
            Failure(
                f"expected {expect.alerts} alert(s), got {alerts} ({len(result)} row(s), {trigger_text})",
                where,
                _rows_text(result),
            )
        )
    if expect.no_alerts is True and alerts:
        failures.append(
            Failure(f"expected no alerts, got {alerts} ({trigger_text})", where, _rows_text(result))
        )
    if expect.no_alerts is False and not alerts:
        failures.append(Failure(f"expected alerts, got none ({len(result)} row(s), {trigger_text})", where))
    if expect.columns is not None:
        failures.extend(_check_columns(expect, result))
    if expect.rows:
        failures.extend(_check_rows(expect.rows, result, case))
    return failures


def _check_columns(expect: Expectation, result: Table) -> list[Failure]:
    assert expect.columns is not None
    wanted = [c.name for c in expect.columns]
    actual = result.column_names
    if wanted != actual:
        diff = f"  - expected: {', '.join(wanted)}\n  + actual:   {', '.join(actual)}"
        return [
            Failure("output columns differ", expect.columns[0].location if expect.columns else None, diff)
        ]
    failures = []
    for column, got in zip(expect.columns, result.columns, strict=True):
        if column.type and column.type.lower() != got.type:
            failures.append(
                Failure(f"column {column.name} is {got.type}, expected {column.type}", column.location)
            )
    return failures


def _check_rows(expected: list[RowSource], result: Table, case: TestCase) -> list[Failure]:
    types = {c.name: c.type for c in result.columns}
    failures: list[Failure] = []
    missing: list[tuple[RowSource, dict[str, Any]]] = []
    for source in expected:
        unknown = [name for name in source.values if name not in types]
        if unknown:
            failures.append(
                Failure(
                    f"the result has no column {unknown[0]} (it has {', '.join(result.column_names)})",
                    source.cell(unknown[0]),
                )
            )
            continue
        try:
            wanted = {name: _expected(value, types[name], case) for name, value in source.values.items()}
        except CellTypeError as error:
            failures.append(Failure(f"expected row: {error}", source.location))
            continue
        if not any(_matches(wanted, record) for record in result.records()):
            missing.append((source, wanted))
    if missing:
        columns = list(dict.fromkeys(name for _, wanted in missing for name in wanted))
        lines = [f"  - {_row_text(wanted, columns)}" for _, wanted in missing]
        lines += [f"  + {_row_text(record, columns)}" for record in result.records()]
        if not len(result):
            lines.append("  + (no rows)")
        failures.append(
            Failure(
                f"{len(missing)} expected row(s) not in the result (- expected, + actual)",
                missing[0][0].location,
                "\n".join(lines),
            )
        )
    return failures


def _expected(value: Any, kusto_type: str, case: TestCase) -> Any:
    """An expected cell as its column holds it; lists and objects stay as written (see values_equal)."""
    if kusto_type == "dynamic" or isinstance(value, dict | list):
        return value
    return coerce(value, kusto_type, case.now)


def _matches(wanted: dict[str, Any], record: dict[str, Any]) -> bool:
    return all(values_equal(value, record.get(name)) for name, value in wanted.items())


def values_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if isinstance(expected, int | float) and isinstance(actual, int | float):
            return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
        return False
    if isinstance(expected, list) and isinstance(actual, list):
        return sorted(map(_canonical, expected)) == sorted(map(_canonical, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return _canonical(expected) == _canonical(actual)
    if isinstance(expected, str) and isinstance(actual, dict | list):
        # A dynamic value may be written as its JSON text ...
        try:
            return values_equal(json.loads(expected), actual)
        except json.JSONDecodeError:
            return False
    if isinstance(expected, dict | list) and isinstance(actual, str):
        # ... and a list or object may be expected of a string holding JSON (`tostring(make_set(...))`).
        try:
            return values_equal(expected, json.loads(actual))
        except json.JSONDecodeError:
            return False
    if isinstance(expected, bool) != isinstance(actual, bool):
        return False
    return bool(expected == actual)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _row_text(record: dict[str, Any], columns: list[str]) -> str:
    return "{" + ", ".join(f"{name}: {_value_text(record.get(name))}" for name in columns) + "}"


def _value_text(value: Any) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, timedelta):
        return str(value)
    return json.dumps(value, default=str)


def _rows_text(result: Table, limit: int = 10) -> str:
    lines = [f"  + {_row_text(record, result.column_names)}" for record in list(result.records())[:limit]]
    if len(result) > limit:
        lines.append(f"  + ... {len(result) - limit} more")
    return "\n".join(lines)
