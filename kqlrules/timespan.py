"""KQL timespan literals (`5m`, `1h`, `14d`, `90s`, `1.5h`) and their ISO 8601 forms (`PT5M`, `P1D`)."""

from __future__ import annotations

import re
from datetime import timedelta

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


class TimespanError(ValueError):
    pass


def parse_timespan(text: str) -> timedelta:
    """Parse a KQL timespan literal such as `5m` or `1d`, or an ISO 8601 duration such as `PT5M`."""
    raw = str(text).strip()
    match = _LITERAL.match(raw)
    if match and match.group(2).lower() in _UNITS:
        return float(match.group(1)) * _UNITS[match.group(2).lower()]
    iso = _ISO.match(raw.upper())
    if iso and raw.upper() not in ("P", "PT"):
        parts = {k: float(v) if v else 0.0 for k, v in iso.groupdict().items()}
        return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    raise TimespanError(f"not a timespan: {text!r} (write it as KQL does: 30s, 5m, 1h, 14d)")


def format_timespan(value: timedelta) -> str:
    """The shortest KQL literal for a duration: `5m`, `1h`, `14d`, `90s`."""
    total = value.total_seconds()
    for unit, seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total and total % seconds == 0:
            return f"{int(total // seconds)}{unit}"
    return f"{round(total * 1000)}ms"


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
