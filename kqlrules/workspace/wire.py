"""Tables and time ranges as the Log Analytics query API (v1) writes them on the wire.

The service sends `datetime` as ISO 8601 UTC (`2024-05-01T10:00:00Z`), `timespan` in .NET form
(`[d.]hh:mm:ss[.fffffff]`), `dynamic` as a JSON string, and everything else as plain JSON. A request's
`timespan` is an ISO 8601 interval: `start/end`, `start/duration`, `duration/end`, or a duration ending now.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kqlrules.datetimes import as_utc, format_datetime, parse_datetime
from kqlrules.table import Column, Table
from kqlrules.timespan import (
    TimespanError,
    format_dotnet_timespan,
    parse_dotnet_timespan,
    parse_iso8601_duration,
)

PRIMARY_RESULT = "PrimaryResult"


class TimespanFormatError(ValueError):
    pass


def encode_table(table: Table, name: str = PRIMARY_RESULT) -> dict[str, Any]:
    types = [c.type for c in table.columns]
    return {
        "name": name,
        "columns": [{"name": c.name, "type": c.type} for c in table.columns],
        "rows": [[encode_value(t, v) for t, v in zip(types, row, strict=True)] for row in table.rows],
    }


def encode_value(kusto_type: str, value: Any) -> Any:
    if value is None:
        return None
    if kusto_type == "datetime" and isinstance(value, datetime):
        return format_datetime(value)
    if kusto_type == "timespan" and isinstance(value, timedelta):
        return format_dotnet_timespan(value)
    if kusto_type == "dynamic":
        return json.dumps(value, default=str, separators=(",", ":"))
    if isinstance(value, Decimal):
        return float(value)
    return value


def decode_table(name_types: list[tuple[str, str]], rows: list[list[Any]]) -> Table:
    columns = [Column(name, kusto_type) for name, kusto_type in name_types]
    types = [t for _, t in name_types]
    return Table(columns, [[decode_value(t, v) for t, v in zip(types, row, strict=True)] for row in rows])


def decode_value(kusto_type: str, value: Any) -> Any:
    """Undo `encode_value` (also accepts what azure-monitor-query already converted, such as datetimes)."""
    if value is None:
        return None
    if kusto_type == "datetime":
        if isinstance(value, str):
            return parse_datetime(value)
        if isinstance(value, datetime):
            return as_utc(value)
        return value
    if kusto_type == "timespan" and isinstance(value, str):
        return parse_dotnet_timespan(value)
    if kusto_type == "dynamic" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if kusto_type in ("real", "decimal") and isinstance(value, str | int):
        return float(value)
    return value


def format_timespan_param(start: datetime, end: datetime) -> str:
    return f"{format_datetime(start)}/{format_datetime(end)}"


def parse_timespan_param(text: str | None, now: datetime) -> tuple[datetime, datetime] | None:
    """The absolute (start, end) of a request's ISO 8601 `timespan`; None when the request has none."""
    if not text:
        return None
    parts = text.split("/")
    if len(parts) > 2:
        raise TimespanFormatError(f"timespan {text!r} is not an ISO 8601 interval")
    if len(parts) == 1:
        return now - _duration(parts[0], text), now
    first, second = parts
    if first.upper().startswith("P"):
        end = _instant(second, text)
        return end - _duration(first, text), end
    start = _instant(first, text)
    if second.upper().startswith("P"):
        return start, start + _duration(second, text)
    return start, _instant(second, text)


def _duration(part: str, whole: str) -> timedelta:
    try:
        return parse_iso8601_duration(part)
    except TimespanError:
        raise TimespanFormatError(f"timespan {whole!r}: {part!r} is not an ISO 8601 duration") from None


def _instant(part: str, whole: str) -> datetime:
    try:
        return parse_datetime(part)
    except ValueError:
        raise TimespanFormatError(f"timespan {whole!r}: {part!r} is not an ISO 8601 date-time") from None
