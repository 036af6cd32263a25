"""Datetimes as text, the one home of each form kqlrules reads and writes; every datetime is UTC-aware.

Log Analytics prints a datetime cell as ISO 8601 in UTC with `Z` and up to seven fraction digits, trailing
zeros dropped (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.5Z`); Kusto's own `tostring()` and fixtures
exported from it carry seven digits (`2024-05-01T10:00:00.0000000Z`), which Python's datetime cannot hold,
so the seventh is dropped when reading (https://learn.microsoft.com/kusto/query/scalar-data-types/datetime).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; one without a zone is taken as UTC, as Kusto takes it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 text (`2024-05-01`, `2024-05-01T10:00Z`, `...T10:00:00.1234567+02:00`) as a UTC datetime;
    no zone means UTC. Raises ValueError for anything else."""
    cleaned = str(text).strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    # Python reads at most microseconds: Kusto's 7-digit fractions are cut to 6.
    cleaned = _BEYOND_MICROSECONDS.sub(r"\1", cleaned)
    return as_utc(datetime.fromisoformat(cleaned))


def _seconds_text(value: datetime) -> str:
    """`0001-01-01T00:00:00`: the year always has four digits (glibc's `%Y` writes year 1 as `1`)."""
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S")


def format_datetime(value: datetime) -> str:
    """As Log Analytics prints it: `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.25Z` (no trailing zeros)."""
    value = as_utc(value)
    text = _seconds_text(value)
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def format_datetime_microseconds(value: datetime) -> str:
    """Fixed width, six fraction digits (`2024-05-01T10:00:00.000000Z`): texts that sort as the times do,
    for state kept as text (SQLite) and the emulator's `createdTimeUtc`-style stamps."""
    moment = as_utc(value)
    return f"{_seconds_text(moment)}.{moment.microsecond:06d}Z"


def parse_datetime_microseconds(text: str) -> datetime:
    """Undo `format_datetime_microseconds`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def format_datetime_milliseconds(value: datetime) -> str:
    """Fixed width with milliseconds (`2024-05-01T10:00:00.000Z`), the form the sample tenant's files use."""
    moment = as_utc(value)
    return f"{_seconds_text(moment)}.{moment.microsecond // 1000:03d}Z"
