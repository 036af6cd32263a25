"""Durations as text, in the three forms kqlrules reads and writes; the one home of each:

- KQL timespan literals: `5m`, `1h`, `14d`, `90s`, `1.5h`, `2hours`
  (https://learn.microsoft.com/kusto/query/scalar-data-types/timespan);
- ISO 8601 durations as the Azure APIs print them: `PT5M`, `P1D`, `PT1H30M`;
- .NET constant timespans as Log Analytics prints timespan cells and `timespan()` reads them:
  `[-][d.]hh:mm:ss[.fffffff]` (.NET "c" format; one tick is 100 ns).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

_UNITS = {
    "d": timedelta(days=1),
    "day": timedelta(days=1),
    "days": timedelta(days=1),
    "h": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "hrs": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "seconds": timedelta(seconds=1),
    "ms": timedelta(milliseconds=1),
    "milli": timedelta(milliseconds=1),
    "millis": timedelta(milliseconds=1),
    "millisecond": timedelta(milliseconds=1),
    "milliseconds": timedelta(milliseconds=1),
    "microsecond": timedelta(microseconds=1),
    "microseconds": timedelta(microseconds=1),
    "tick": timedelta(microseconds=0.1),
    "ticks": timedelta(microseconds=0.1),
}
_LITERAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
# .NET TimeSpan's invariant forms (TimeSpan.Parse): `[-][d.]hh:mm[:ss[.fffffff]]`, hours < 24, minutes and
# seconds < 60, at most seven fraction digits (ticks).
_DOTNET = re.compile(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$")
TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND


class TimespanError(ValueError):
    pass


def parse_timespan(text: str) -> timedelta:
    """Parse a KQL timespan literal such as `5m` or `1d`, or an ISO 8601 duration such as `PT5M`."""
    raw = str(text).strip()
    match = _LITERAL.match(raw)
    if match and match.group(2).lower() in _UNITS:
        return float(match.group(1)) * _UNITS[match.group(2).lower()]
    try:
        return parse_iso8601_duration(raw)
    except TimespanError:
        raise TimespanError(f"not a timespan: {text!r} (write it as KQL does: 30s, 5m, 1h, 14d)") from None


def format_timespan(value: timedelta) -> str:
    """The shortest KQL literal for a duration: `5m`, `1h`, `14d`, `90s`."""
    total = value.total_seconds()
    for unit, seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total and total % seconds == 0:
            return f"{int(total // seconds)}{unit}"
    return f"{round(total * 1000)}ms"


def parse_iso8601_duration(text: str) -> timedelta:
    """An ISO 8601 duration (`PT5M`, `P1D`, `PT3600.0S`; days, hours, minutes, seconds only)."""
    raw = str(text).strip().upper()
    iso = _ISO.match(raw)
    if iso is None or raw in ("P", "PT") or raw.endswith("T"):
        raise TimespanError(f"not an ISO 8601 duration: {text!r} (such as PT5M or P1D)")
    parts = {k: float(v) if v else 0.0 for k, v in iso.groupdict().items()}
    return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])


def to_iso8601(value: timedelta) -> str:
    """ISO 8601 duration as the Azure APIs print it: `PT5M`, `PT1H`, `P1D`, `P14D`, `PT1H30M`."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P"
    if days:
        out += f"{days}D"
    if hours or minutes or seconds or not days:
        out += "T"
        if hours:
            out += f"{hours}H"
        if minutes:
            out += f"{minutes}M"
        if seconds or (not hours and not minutes):
            out += f"{seconds}S"
    return out


class TickTimedelta(timedelta):
    """A duration plus `tick`, the 100-ns tick (0-9) beyond its microseconds that Python cannot hold.

    Only durations that are not whole microseconds are made this way; equality, order and hashing count
    the tick (Kusto's timespan is a count of ticks: scalar-data-types/timespan.md)."""

    tick: int

    def __new__(cls, *args: Any, tick: int = 0, **kwargs: Any) -> TickTimedelta:
        made = super().__new__(cls, *args, **kwargs)
        made.tick = tick
        return made

    def _key(self) -> tuple[timedelta, int]:
        return timedelta(self.days, self.seconds, self.microseconds), self.tick

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (from_ticks, (ticks(self),))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, timedelta) and self._key() == _key(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: timedelta) -> bool:
        return self._key() < _key(other)

    def __le__(self, other: timedelta) -> bool:
        return self._key() <= _key(other)

    def __gt__(self, other: timedelta) -> bool:
        return self._key() > _key(other)

    def __ge__(self, other: timedelta) -> bool:
        return self._key() >= _key(other)

    def __neg__(self) -> timedelta:
        return from_ticks(-ticks(self))

    def __abs__(self) -> timedelta:
        return from_ticks(abs(ticks(self)))

    def __repr__(self) -> str:
        return f"TickTimedelta({ticks(self)} ticks)"

    def __str__(self) -> str:
        return format_dotnet_ticks(ticks(self))


def _key(value: timedelta) -> tuple[timedelta, int]:
    return value._key() if isinstance(value, TickTimedelta) else (value, 0)


def ticks(value: timedelta) -> int:
    """A duration in .NET ticks (100 ns), the unit Kusto stores timespans in."""
    whole = (value.days * 86_400 + value.seconds) * TICKS_PER_SECOND + value.microseconds * 10
    return whole + (value.tick if isinstance(value, TickTimedelta) else 0)


def split_ticks(count: int) -> tuple[str, int, int, int, int, int]:
    """A tick count as its sign (`-` or empty), days, hours, minutes, seconds and fraction (in ticks)."""
    sign = "-" if count < 0 else ""
    days, rest = divmod(abs(count), TICKS_PER_DAY)
    seconds, fraction = divmod(rest, TICKS_PER_SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return sign, days, hours, minutes, seconds, fraction


def format_dotnet_ticks(count: int) -> str:
    """.NET's constant format of a tick count: `[-][d.]hh:mm:ss[.fffffff]` (no days or fraction when 0)."""
    sign, days, hours, minutes, seconds, fraction = split_ticks(count)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{fraction:07d}" if fraction else "")


def format_dotnet_timespan(value: timedelta) -> str:
    """A duration as Log Analytics prints a timespan cell: `00:05:00`, `2.03:00:00`, `00:00:01.0005000`."""
    return format_dotnet_ticks(ticks(value))


def is_dotnet_timespan(text: str) -> bool:
    return _DOTNET.match(text.strip()) is not None


def parse_dotnet_timespan(text: str) -> timedelta:
    """`[-][d.]hh:mm[:ss[.fffffff]]` (TimeSpan.Parse's invariant form) as a duration."""
    match = _DOTNET.match(str(text).strip())
    if match is None:
        raise TimespanError(f"not a timespan: {text!r} (such as 00:05:00 or 1.02:00:00)")
    sign, days, hours, minutes, seconds, fraction = match.groups()
    if int(hours) > 23 or int(minutes) > 59 or int(seconds or 0) > 59:
        raise TimespanError(f"not a timespan: {text!r} (hours < 24, minutes and seconds < 60)")
    count = (
        int(days or 0) * 86_400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    ) * TICKS_PER_SECOND + int((fraction or "0").ljust(7, "0"))
    return from_ticks(-count if sign else count)


def from_ticks(count: int | float) -> timedelta:
    """A tick count (100 ns) as a duration, exact for a whole count (a `TickTimedelta` when it is not whole
    microseconds); a fractional count rounds to the microsecond."""
    if isinstance(count, float):
        return timedelta(microseconds=count / 10)
    micros, tick = divmod(count, 10)
    if tick:
        return TickTimedelta(microseconds=micros, tick=tick)
    return timedelta(microseconds=micros)
