"""Times in test cases: `now`, offsets from the case's pinned `now` (`-2h`, `-1d3h`, `now-30m`, `+5m`),
and absolute ISO 8601 times (`2024-05-01T12:00:00Z`; a time without a zone is UTC)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from kqlrules.datetimes import as_utc, parse_datetime
from kqlrules.timespan import TimespanError, parse_timespan

# `1d3h30m`: one or more number+unit parts, nothing between them.
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)", re.IGNORECASE)
_RELATIVE = re.compile(r"^\s*(?:now\s*)?([+-])\s*(\S.*?)\s*$", re.IGNORECASE)
_FORMS = "write `now`, an offset such as -2h or -1d3h, or an ISO 8601 time"
_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
    "ms": timedelta(milliseconds=1),
}


class TimeFormatError(ValueError):
    """Text that is neither `now`, an offset such as `-2h`, nor an ISO 8601 time."""


def parse_duration(text: str) -> timedelta:
    """`2h`, `1d3h`, `90s`, `1.5h`, or any KQL timespan literal (`2hours`, `PT5M`)."""
    compact = text.strip().replace(" ", "")
    parts = list(_PART.finditer(compact))
    if parts and "".join(p.group(0) for p in parts) == compact:
        return sum((float(p.group(1)) * _UNITS[p.group(2).lower()] for p in parts), timedelta())
    try:
        return parse_timespan(text)
    except TimespanError:
        raise TimeFormatError(f"not a duration: {text!r}") from None


def parse_time(value: object, now: datetime | None) -> datetime:
    """A fixture or expectation time, relative to `now` when it is `now` or an offset."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise TimeFormatError(f"not a time: {value!r}")
    text = value.strip()
    relative = _RELATIVE.match(text)
    if text.lower() == "now" or relative:
        if now is None:
            raise TimeFormatError(f"{text!r} is relative to the case's `now`, which is not set")
        if not relative:
            return now
        sign = -1 if relative.group(1) == "-" else 1
        try:
            return now + sign * parse_duration(relative.group(2))
        except TimeFormatError:
            raise TimeFormatError(f"not a time: {value!r} ({_FORMS})") from None
    try:
        return parse_datetime(text)
    except ValueError:
        raise TimeFormatError(f"not a time: {value!r} ({_FORMS})") from None
