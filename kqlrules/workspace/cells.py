"""One cell of a table (a table file's value, a test's fixture or expected value) as its column's Kusto type
holds it (see `kqlrules.table` for the Python value of each type).

Two readings, chosen by the caller with `lenient`:

- exact (the default): the value's own type must fit. YAML and JSON carry their own types, so a number in a
  string column is a mistake to report, not to guess around. CSV carries only text (`from_text`): there every
  cell is read as its column's type. Test fixtures and expectations are read this way (`kqlrules.testing`
  adds relative times such as `-2h` on top, for datetime columns).
- lenient: whatever can be read as the type is, as a workspace folder's exported files hold it: a number in a
  timespan column is ticks, 0/1 is a bool, an object in a string column is its JSON text, a timespan may be
  .NET's `d.hh:mm:ss`. A value that cannot be read raises `ValueError`/`TypeError`, or `OverflowError` for
  a whole number outside 64 bits; the workspace folder names the file, line and column.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kqlrules.datetimes import as_utc, parse_datetime
from kqlrules.text_files import fits_long
from kqlrules.timespan import (
    TimespanError,
    from_ticks,
    is_dotnet_timespan,
    parse_dotnet_timespan,
    parse_timespan,
)


class CellTypeError(ValueError):
    """A value does not fit its column's type; the message says what it is and what was expected."""


def to_kusto(value: object, kusto_type: str, *, lenient: bool = False, from_text: bool = False) -> Any:
    """`value` as a `kusto_type` column holds it, read exactly or `lenient`ly (see the module's docstring);
    `from_text` for CSV cells in the exact reading, where everything is text."""
    if lenient:
        return _lenient(value, kusto_type)
    if value is None:
        return None
    if from_text and isinstance(value, str):
        return _from_text(value, kusto_type)
    return _exact(value, kusto_type)


def describe(value: object) -> str:
    """What a value is, for a message: `a number (5)`, `a string ("x")`, `a list`."""
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", dict: "an object"}
    for kind, text in kinds.items():
        if type(value) is kind:
            return f"{text} ({json.dumps(value, default=str)})"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# -- the exact reading ----------------------------------------------------------------------------------
def _exact(value: object, kusto_type: str) -> Any:
    if kusto_type == "string":
        if isinstance(value, str):
            return value
        raise CellTypeError(f"expected a string, got {describe(value)}")
    if kusto_type in ("long", "int"):
        if isinstance(value, int) and not isinstance(value, bool):
            return _whole(value, kusto_type)
        if isinstance(value, float) and value.is_integer():
            return _whole(int(value), kusto_type)
        raise CellTypeError(f"expected a whole number ({kusto_type}), got {describe(value)}")
    if kusto_type in ("real", "decimal"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise CellTypeError(f"expected a number ({kusto_type}), got {describe(value)}")
    if kusto_type == "bool":
        if isinstance(value, bool):
            return value
        raise CellTypeError(f"expected true or false, got {describe(value)}")
    if kusto_type == "datetime":
        return _exact_datetime(value)
    if kusto_type == "timespan":
        if isinstance(value, timedelta):
            return value
        if isinstance(value, str):
            try:
                return parse_timespan(value)
            except TimespanError as error:
                raise CellTypeError(str(error)) from None
        raise CellTypeError(f"expected a timespan such as 5m, got {describe(value)}")
    if kusto_type == "guid":
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        raise CellTypeError(f"expected a GUID, got {describe(value)}")
    if kusto_type == "dynamic":
        if isinstance(value, datetime | timedelta):
            return str(value)
        return value
    raise CellTypeError(f"unknown column type {kusto_type!r}")


def _exact_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return parse_datetime(value.strip())
        except ValueError:
            pass
    raise CellTypeError(f"expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got {describe(value)}")


def _whole(value: int, kusto_type: str) -> int:
    if not fits_long(value):
        raise CellTypeError(f"{value} is outside the range of a {kusto_type} (a signed 64-bit integer)")
    return value


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _from_text(text: str, kusto_type: str) -> Any:
    if kusto_type == "string":
        return text
    if text == "":
        return None
    if kusto_type in ("long", "int"):
        try:
            whole = int(text)
        except ValueError:
            raise CellTypeError(f"expected a whole number ({kusto_type}), got {text!r}") from None
        return _whole(whole, kusto_type)
    if kusto_type in ("real", "decimal"):
        try:
            number = float(text)
        except ValueError:
            raise CellTypeError(f"expected a number ({kusto_type}), got {text!r}") from None
        if math.isnan(number) and text.lower() != "nan":
            raise CellTypeError(f"expected a number, got {text!r}")
        return number
    if kusto_type == "bool":
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise CellTypeError(f"expected true or false, got {text!r}")
    if kusto_type == "dynamic":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return _exact(text, kusto_type)


# -- the lenient reading --------------------------------------------------------------------------------
def _lenient(value: Any, kusto_type: str) -> Any:
    if value is None:
        # Kusto strings are never null: an absent string is empty, as a real workspace returns it.
        return "" if kusto_type == "string" else None
    return _LENIENT[kusto_type](value)


def _timespan(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_ticks(value)  # a number is ticks, as Kusto exports them
    text = str(value).strip()
    if is_dotnet_timespan(text):
        return parse_dotnet_timespan(text)
    return parse_timespan(text)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(value)


def _long(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    whole = int(value)
    if not fits_long(whole):
        raise OverflowError(value)
    return whole


def _dynamic(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return value
    return value


def _string(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_LENIENT: dict[str, Callable[[Any], Any]] = {
    "string": _string,
    "long": _long,
    "int": _long,
    "real": lambda v: float(v),
    "decimal": lambda v: float(v),
    "bool": _bool,
    "datetime": lambda v: v if isinstance(v, datetime) else parse_datetime(str(v)),
    "timespan": _timespan,
    "guid": lambda v: str(v).lower(),
    "dynamic": _dynamic,
}
