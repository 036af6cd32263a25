"""Jinja2 filters that turn parameter values into KQL literals a value can never break out of."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from jinja2 import Undefined

from kqlrules.datetimes import format_datetime, format_datetime_microseconds, parse_datetime
from kqlrules.timespan import TimespanError, format_timespan, parse_timespan

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


# KQL's long is a signed 64-bit integer (Kusto reference, "The long data type").
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


class FilterValueError(ValueError):
    """A parameter value that has no safe KQL literal; reported at the template line that used it, with
    the parameter's name when the refused value is a parameter's."""

    def __init__(self, message: str, value: object = None) -> None:
        super().__init__(message)
        self.value = value


def finalize(value: Any) -> Any:
    """What a bare `{{ value }}` prints. Text (a macro's KQL, a column name) goes through as written;
    numbers and booleans as their KQL literals; anything with no KQL spelling is refused rather than
    printed as Python text (`None`, `{'a': 1}`, `nan`)."""
    if isinstance(value, str | Undefined):
        return value  # an undefined name raises its own error (with the name) when printed
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _long(value, "a value")
    if isinstance(value, float):
        return _real(value, "a value")
    if isinstance(value, timedelta):
        return kql_timespan(value)
    if isinstance(value, datetime | date):
        return kql_datetime(value)
    if value is None:
        raise FilterValueError("a value is None: it has no KQL text (give the parameter a value)", value)
    kind = type(value).__name__
    hint = "use kql_list for a list" if isinstance(value, list | tuple | set) else "pass text or a number"
    raise FilterValueError(f"a {kind} has no KQL text of its own ({hint})", value)


def _defined(value: Any) -> Any:
    """The value itself; an undefined name raises Jinja's own error, which names it."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError here
    return value


def _long(value: int, what: str) -> str:
    if not _LONG_MIN <= value <= _LONG_MAX:
        raise FilterValueError(f"{what} {value} does not fit KQL's 64-bit long", value)
    return str(value)


def _real(value: float, what: str) -> str:
    # Finite reals only: a NaN or an infinity printed by Python (`nan`, `inf`) is not KQL, and inside a
    # dynamic (JSON) literal it has no spelling at all.
    if not math.isfinite(value):
        raise FilterValueError(f"{what} {value!r} is not a finite number", value)
    return repr(value)


def kql_string(value: Any) -> str:
    """A double-quoted KQL string literal: `"O\\"Brien"`. Control characters other than tab, newline and
    carriage return have no KQL escape, so they are refused rather than passed through."""
    value = _defined(value)
    if isinstance(value, float):
        _real(value, "kql_string:")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        kind = "None" if value is None else f"a {type(value).__name__}"
        raise FilterValueError(f"kql_string: expected text, got {kind}", value)
    text = str(value)
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            message = f"kql_string: control character U+{ord(char):04X} has no KQL escape"
            raise FilterValueError(message, value)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def kql_list(values: Any) -> str:
    """`dynamic(["a", "b"])`: strings escaped as `kql_string`, numbers and booleans as themselves.
    A plain string is read as a comma-separated list, as `--param k=a,b` gives it."""
    values = _defined(values)
    if isinstance(values, str):
        items: Iterable[Any] = [part.strip() for part in values.split(",") if part.strip()]
    elif isinstance(values, list | tuple | set | frozenset):
        items = values
    else:
        kind = "None" if values is None else type(values).__name__
        raise FilterValueError(f"kql_list: expected a list, got {kind}", values)
    return "dynamic([" + ", ".join(_element(item, values) for item in items) + "])"


def _element(item: Any, whole: object, depth: int = 0) -> str:
    """One value of a dynamic literal: JSON's forms (null, booleans, finite numbers, strings, arrays,
    objects with text keys), as the Kusto reference's dynamic literal accepts them."""
    if depth > 32:
        raise FilterValueError("kql_list: values nested more than 32 deep", whole)
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return _long(item, "kql_list: the number")
    if isinstance(item, float):
        if not math.isfinite(item):
            raise FilterValueError(f"kql_list: {item!r} has no JSON spelling", whole)
        return json.dumps(item)
    if isinstance(item, str):
        return kql_string(item)
    if isinstance(item, list | tuple):
        return "[" + ", ".join(_element(inner, whole, depth + 1) for inner in item) + "]"
    if isinstance(item, Mapping):
        if not all(isinstance(key, str) for key in item):
            raise FilterValueError("kql_list: an object's keys must be text", whole)
        pairs = (f"{kql_string(key)}: {_element(inner, whole, depth + 1)}" for key, inner in item.items())
        return "{" + ", ".join(pairs) + "}"
    raise FilterValueError(f"kql_list: a {type(item).__name__} has no dynamic literal", whole)


def kql_timespan(value: Any) -> str:
    """A KQL timespan literal (`1h`, `14d`) from a timedelta or a timespan text such as `"1h"`."""
    value = _defined(value)
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, str):
        try:
            span = parse_timespan(value)
        except TimespanError as error:
            raise FilterValueError(f"kql_timespan: {error}", value) from None
    else:
        raise FilterValueError(f"kql_timespan: expected a timespan such as 1h, got {value!r}", value)
    if span < timedelta(0):
        raise FilterValueError(f"kql_timespan: negative timespan {value!r}", value)
    return format_timespan(span)


def kql_datetime(value: Any) -> str:
    """`datetime(2024-05-01T00:00:00Z)` from a datetime, a date, or ISO 8601 text; naive means UTC."""
    value = _defined(value)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value)
        except ValueError:
            raise FilterValueError(f"kql_datetime: not an ISO 8601 datetime: {value!r}", value) from None
    else:
        raise FilterValueError(f"kql_datetime: expected a datetime, got {value!r}", value)
    # Whole seconds as Log Analytics prints them; a fraction with all six digits, as rendered queries always
    # have had it (a deployed rule's text, and so its content hash, does not change).
    text = format_datetime_microseconds(moment) if moment.microsecond else format_datetime(moment)
    return f"datetime({text})"


FILTERS: dict[str, Callable[[Any], str]] = {
    "kql_string": kql_string,
    "kql_list": kql_list,
    "kql_timespan": kql_timespan,
    "kql_datetime": kql_datetime,
}
