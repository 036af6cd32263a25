"""How Kusto prints values as text: reals (.NET round-trip), datetimes (ISO 8601) and the custom formats of
`format_datetime()` and `format_timespan()`. Timespans' constant form (`d.hh:mm:ss.fffffff`) is
`kqlrules.timespan.format_dotnet_ticks`.

Pure Python: `kqlrules.engine.udfs` registers these on each DuckDB connection.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kqlrules.datetimes import from_unix_ticks, tick_of
from kqlrules.timespan import split_ticks


def format_real(value: float) -> str:
    """A double as .NET prints it (shortest round-trip; scientific from 1E+15 and from 1E-05 down)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    digits, exponent = _shortest_digits(value)
    sign = "-" if value < 0 else ""
    if exponent >= 15 or exponent < -4:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}E{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    if exponent >= 0:
        whole = digits[: exponent + 1].ljust(exponent + 1, "0")
        fraction = digits[exponent + 1 :]
        return sign + whole + ("." + fraction if fraction else "")
    return sign + "0." + "0" * (-exponent - 1) + digits


def _shortest_digits(value: float) -> tuple[str, int]:
    """The significant digits of repr(value) and the decimal exponent of the first one."""
    text = repr(abs(value))
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        digits = mantissa.replace(".", "")
        return digits.rstrip("0") or "0", int(exponent)
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0") if fraction != "0" else ""
    if whole != "0":
        digits = (whole + fraction).rstrip("0")
        return digits, len(whole) - 1
    stripped = fraction.lstrip("0")
    return stripped, -(len(fraction) - len(stripped)) - 1


def format_datetime_iso(ticks: int) -> str:
    """ISO 8601 with seven fraction digits, as Kusto's `tostring()` prints: `2017-10-15T12:00:00.0000000Z`;
    `ticks` counts 100 ns from 1970 (`kql_ticks`).

    (The reference's `reverse()` and `hash_md5()` examples show the fraction is printed even when zero.)
    """
    value = from_unix_ticks(ticks)
    # The year always has four digits: glibc's `%Y` writes year 50 as `50`.
    seconds = f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S")
    return seconds + f".{value.microsecond * 10 + tick_of(value):07d}Z"


def dynamic_to_string(text: str) -> str:
    """`tostring()` of a dynamic value: a string as itself, null as empty, the rest as compact JSON."""
    value = json.loads(text)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json_text(value)


def json_text(value: Any) -> str:
    """Compact JSON the way Kusto prints dynamic values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_real(value) if math.isfinite(value) else json.dumps(format_real(value))
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(json.dumps(k, ensure_ascii=False) + ":" + json_text(v) for k, v in value.items())
            + "}"
        )
    return json.dumps(value, ensure_ascii=False)


# --- format_datetime / format_timespan ---------------------------------------------------------------------

# A run of one letter is one specifier (`MMM` is not `MM` then `M`); other characters are copied.
_TOKEN = re.compile(r"([a-zA-Z])\1*|[^a-zA-Z]+")
_DATETIME_SPECIFIERS = frozenset(
    ["yyyy", "yy", "y", "MM", "M", "dd", "d", "HH", "H", "hh", "h", "mm", "m", "ss", "s", "tt"]
)


def datetime_format_tokens(fmt: str) -> list[str] | None:
    """The tokens of a `format_datetime()` format, or None when it uses a specifier Kusto does not define."""
    tokens = [m.group(0) for m in _TOKEN.finditer(fmt)]
    for token in tokens:
        if not token[0].isalpha():
            continue
        if token[0] in "fF" and len(token) <= 7:
            continue
        if token not in _DATETIME_SPECIFIERS:
            return None
    return tokens


def timespan_format_tokens(fmt: str) -> list[str] | None:
    tokens = [m.group(0) for m in _TOKEN.finditer(fmt)]
    for token in tokens:
        if not token[0].isalpha():
            continue
        if (token[0] == "d" and len(token) <= 8) or (token[0] in "fF" and len(token) <= 7):
            continue
        if token not in ("h", "hh", "H", "HH", "m", "mm", "s", "ss"):
            return None
    return tokens


def _fraction(ticks_fraction: int, token: str) -> str:
    digits = f"{ticks_fraction:07d}"[: len(token)]
    return digits.rstrip("0") if token[0] == "F" else digits


def format_datetime_custom(ticks: int, fmt: str) -> str:
    """`format_datetime()` of the instant `ticks` (100 ns from 1970): `f`..`fffffff` print the fraction's
    first digits, to the tick (format-datetime-function.md)."""
    tokens = datetime_format_tokens(fmt) or []
    value = from_unix_ticks(ticks)
    fraction = value.microsecond * 10 + tick_of(value)
    hour12 = value.hour % 12 or 12
    parts = {
        "yyyy": f"{value.year:04d}",
        "yy": f"{value.year % 100:02d}",
        "y": str(value.year % 100),
        "MM": f"{value.month:02d}",
        "M": str(value.month),
        "dd": f"{value.day:02d}",
        "d": str(value.day),
        "HH": f"{value.hour:02d}",
        "H": str(value.hour),
        "hh": f"{hour12:02d}",
        "h": str(hour12),
        "mm": f"{value.minute:02d}",
        "m": str(value.minute),
        "ss": f"{value.second:02d}",
        "s": str(value.second),
        "tt": "AM" if value.hour < 12 else "PM",
    }
    out = []
    for token in tokens:
        if token in parts:
            out.append(parts[token])
        elif token[0] in "fF":
            out.append(_fraction(fraction, token))
        else:
            out.append(token)
    return "".join(out)


def format_timespan_custom(ticks: int, fmt: str) -> str:
    tokens = timespan_format_tokens(fmt) or []
    sign, days, hours, minutes, seconds, fraction = split_ticks(ticks)
    out = [sign]
    for token in tokens:
        head = token[0]
        if head == "d":
            out.append(str(days).rjust(len(token), "0"))
        elif head in "hH":
            out.append(f"{hours:02d}" if len(token) == 2 else str(hours))
        elif head == "m":
            out.append(f"{minutes:02d}" if len(token) == 2 else str(minutes))
        elif head == "s":
            out.append(f"{seconds:02d}" if len(token) == 2 else str(seconds))
        elif head in "fF":
            out.append(_fraction(fraction, token))
        else:
            out.append(token)
    return "".join(out)
