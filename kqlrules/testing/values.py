"""Fixture and expectation values as the column's Kusto type holds them (see `kqlrules.table`).

YAML and JSON carry their own types, so a number in a string column is a mistake to report, not to guess
around; CSV carries only text, so there every cell is read as its column's type.
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from kqlrules.testing.times import TimeFormatError, parse_time
from kqlrules.text_files import fits_long
from kqlrules.timespan import TimespanError, parse_timespan


class ValueTypeError(ValueError):
    """A value does not fit its column's type; the message says what it is and what was expected."""


def describe(value: object) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", dict: "an object"}
    for kind, text in kinds.items():
        if type(value) is kind:
            return f"{text} ({json.dumps(value, default=str)})"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def coerce(value: object, kusto_type: str, now: datetime | None, *, from_text: bool = False) -> Any:
    """`value` as a `kusto_type` column holds it; `from_text` for CSV cells, where everything is text."""
    if value is None:
        return None
    if from_text and isinstance(value, str):
        return _from_text(value, kusto_type, now)
    if kusto_type == "string":
        if isinstance(value, str):
            return value
        raise ValueTypeError(f"expected a string, got {describe(value)}")
    if kusto_type in ("long", "int"):
        if isinstance(value, int) and not isinstance(value, bool):
            return _whole(value, kusto_type)
        if isinstance(value, float) and value.is_integer():
            return _whole(int(value), kusto_type)
        raise ValueTypeError(f"expected a whole number ({kusto_type}), got {describe(value)}")
    if kusto_type in ("real", "decimal"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ValueTypeError(f"expected a number ({kusto_type}), got {describe(value)}")
    if kusto_type == "bool":
        if isinstance(value, bool):
            return value
        raise ValueTypeError(f"expected true or false, got {describe(value)}")
    if kusto_type == "datetime":
        try:
            return parse_time(value, now)
        except TimeFormatError as error:
            raise ValueTypeError(str(error)) from None
    if kusto_type == "timespan":
        if isinstance(value, timedelta):
            return value
        if isinstance(value, str):
            try:
                return parse_timespan(value)
            except TimespanError as error:
                raise ValueTypeError(str(error)) from None
        raise ValueTypeError(f"expected a timespan such as 5m, got {describe(value)}")
    if kusto_type == "guid":
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        raise ValueTypeError(f"expected a GUID, got {describe(value)}")
    if kusto_type == "dynamic":
        if isinstance(value, datetime | timedelta):
            return str(value)
        return value
    raise ValueTypeError(f"unknown column type {kusto_type!r}")


def _whole(value: int, kusto_type: str) -> int:
    if not fits_long(value):
        raise ValueTypeError(f"{value} is outside the range of a {kusto_type} (a signed 64-bit integer)")
    return value


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _from_text(text: str, kusto_type: str, now: datetime | None) -> Any:
    if kusto_type == "string":
        return text
    if text == "":
        return None
    if kusto_type in ("long", "int"):
        try:
            whole = int(text)
        except ValueError:
            raise ValueTypeError(f"expected a whole number ({kusto_type}), got {text!r}") from None
        return _whole(whole, kusto_type)
    if kusto_type in ("real", "decimal"):
        try:
            number = float(text)
        except ValueError:
            raise ValueTypeError(f"expected a number ({kusto_type}), got {text!r}") from None
        if math.isnan(number) and text.lower() != "nan":
            raise ValueTypeError(f"expected a number, got {text!r}")
        return number
    if kusto_type == "bool":
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ValueTypeError(f"expected true or false, got {text!r}")
    if kusto_type == "dynamic":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return coerce(text, kusto_type, now)
