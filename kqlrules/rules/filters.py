"""Jinja2 filters that turn parameter values into KQL literals a value can never break out of."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kqlrules.timespan import TimespanError, format_timespan, parse_timespan

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class FilterValueError(ValueError):
    """A parameter value that has no safe KQL literal; reported at the template line that used it."""


def kql_string(value: Any) -> str:
    """A double-quoted KQL string literal: `"O\\"Brien"`. Control characters other than tab, newline and
    carriage return have no KQL escape, so they are refused rather than passed through."""
    text = str(value)
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            raise FilterValueError(f"kql_string: control character U+{ord(char):04X} has no KQL escape")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def kql_list(values: Any) -> str:
    """`dynamic(["a", "b"])`: strings escaped as `kql_string`, numbers and booleans as themselves.
    A plain string is read as a comma-separated list, as `--param k=a,b` gives it."""
    if isinstance(values, str):
        items: Iterable[Any] = [part.strip() for part in values.split(",") if part.strip()]
    elif isinstance(values, list | tuple | set | frozenset):
        items = values
    else:
        raise FilterValueError(f"kql_list: expected a list, got {type(values).__name__}")
    return "dynamic([" + ", ".join(_element(item) for item in items) + "])"


def _element(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int | float):
        return json.dumps(item)
    return kql_string(item)


def kql_timespan(value: Any) -> str:
    """A KQL timespan literal (`1h`, `14d`) from a timedelta or a timespan text such as `"1h"`."""
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, str):
        try:
            span = parse_timespan(value)
        except TimespanError as error:
            raise FilterValueError(f"kql_timespan: {error}") from None
    else:
        raise FilterValueError(f"kql_timespan: expected a timespan such as 1h, got {value!r}")
    if span < timedelta(0):
        raise FilterValueError(f"kql_timespan: negative timespan {value!r}")
    return format_timespan(span)


def kql_datetime(value: Any) -> str:
    """`datetime(2024-05-01T00:00:00Z)` from a datetime, a date, or ISO 8601 text; naive means UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FilterValueError(f"kql_datetime: not an ISO 8601 datetime: {value!r}") from None
    else:
        raise FilterValueError(f"kql_datetime: expected a datetime, got {value!r}")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return f"datetime({text}Z)"


FILTERS: dict[str, Callable[[Any], str]] = {
    "kql_string": kql_string,
    "kql_list": kql_list,
    "kql_timespan": kql_timespan,
    "kql_datetime": kql_datetime,
}
