"""Kusto's scalar literals read from their text, independently of the analyzer (which exports some of them
lossily: `0xf` as 0, `real(nan)` as 0.0, clock timespans as 0).

Only the forms the reference documents are read; any other form raises `Unreadable` with the reason, and
the translator refuses the literal rather than guess its value. Sources, per type (Kusto reference,
query/scalar-data-types/<type>):
- long: `12`, `0xf` = 15, `long(-1)`, `long(null)`; int: `int(n)`, `int(-n)`, `int(null)`;
- real: `1.0`, `1e5`, `real(null)`, `real(nan)`, `real(+inf)`, `real(-inf)` (`double` is a synonym);
- decimal: `decimal(1.0)`, `decimal(null)`; bool: `true`, `false`, `bool(true)`, `bool(false)`, `bool(null)`;
- timespan: `2d`, `1.5h`, `30m`, `10s`, `100ms`, `10microsecond`, `1tick`, `timespan(15 seconds)`,
  `timespan(2)` (2 days), `timespan(0.12:34:56.7)`, `timespan(null)` (`time` is a synonym);
- guid: `guid(74be27de-1e4e-49d9-b579-fe0b331d3642)`, `guid(null)`;
- string: escapes, verbatim `@"..."`, obfuscated `h"..."`, multi-line between three backticks.
The unit spellings and the tokens' shapes are those of the lexer in microsoft/Kusto-Query-Language
(src/Kusto.Language/Parser/LexicalGrammar.cs).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

TICKS_PER_SECOND = 10_000_000
_LONG_RANGE = (-(2**63), 2**63 - 1)
_INT_RANGE = (-(2**31), 2**31 - 1)


class Unreadable(ValueError):
    """The literal is not one of the documented forms, or its value cannot be held exactly."""


@dataclass(frozen=True)
class Reading:
    """A literal's value: None for the typed null; ticks (an int) for a timespan; a lowercase str for a
    guid; a Decimal for a decimal."""

    value: Any


_WRAPPED = re.compile(r"(?s)\s*([A-Za-z]+)\s*\((.*)\)\s*")
_DIGITS = re.compile(r"\d+")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_SIGNED_INTEGER = re.compile(r"([-+]?)\s*(\d+|0[xX][0-9a-fA-F]+)")
_REAL = re.compile(r"\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+")
_SIGNED_NUMBER = re.compile(r"([-+]?)\s*(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)")
_BOOLEANS = {"true": True, "false": False, "TRUE": True, "FALSE": False, "True": True, "False": False}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Ticks per unit, every spelling the lexer accepts.
_UNIT_TICKS: dict[str, Decimal] = {}
for _spellings, _ticks in (
    (("d", "day", "days"), 864_000_000_000),
    (("h", "hr", "hrs", "hour", "hours"), 36_000_000_000),
    (("m", "min", "minute", "minutes"), 600_000_000),
    (("s", "sec", "second", "seconds"), TICKS_PER_SECOND),
    (("ms", "milli", "millis", "millisec", "millisecond", "milliseconds"), 10_000),
    (("micro", "micros", "microsec", "microsecond", "microseconds"), 10),
    (("tick", "ticks"), 1),
):
    for _spelling in _spellings:
        _UNIT_TICKS[_spelling] = Decimal(_ticks)
# Nanoseconds are a hundredth of a tick: a literal in them is read only when it is a whole number of ticks.
for _spelling in ("nano", "nanos", "nanosec", "nanosecond", "nanoseconds"):
    _UNIT_TICKS[_spelling] = Decimal("0.01")
_UNITS = "|".join(sorted(_UNIT_TICKS, key=len, reverse=True))
_UNIT_TIMESPAN = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNITS})")
_CLOCK = re.compile(r"([-+]?)(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?")


def read(kind: str, text: str) -> Reading:
    """The value of the literal node of `kind` (the analyzer's SyntaxKind) written as `text`."""
    reader = _READERS.get(kind)
    if reader is None:
        raise Unreadable(f"no reading of {kind}")
    return reader(text.strip())


def _wrapped(text: str, names: tuple[str, ...]) -> str | None:
    """The text inside `name(...)` when `text` is that form, else None."""
    found = _WRAPPED.fullmatch(text)
    if found is None:
        return None
    if found.group(1) not in names:
        raise Unreadable(f"{found.group(1)}(...) is not a literal of this type")
    return found.group(2).strip()


def _in_range(value: int, bounds: tuple[int, int], type_name: str) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise Unreadable(f"outside the range of {type_name}")
    return value


def _integer(text: str, name: str, bounds: tuple[int, int], bare: bool) -> Reading:
    inner = _wrapped(text, (name,))
    if inner is None:
        if not bare:
            raise Unreadable(f"an {name} literal is written {name}(...)")
        # A sign belongs to the literal where the grammar takes a signed one (datatable's values).
        sign, _, digits = _signed(text)
        if _DIGITS.fullmatch(digits):
            return Reading(_in_range(sign * int(digits), bounds, name))
        if _HEX.fullmatch(digits):
            return Reading(_in_range(_signed_bits(sign, int(digits, 16), bounds), bounds, name))
        raise Unreadable(f"not a {name} literal")
    if inner == "null":
        return Reading(None)
    found = _SIGNED_INTEGER.fullmatch(inner)
    if found is None:
        raise Unreadable(f"the reference gives {name}() an integer or null")
    digits = found.group(2)
    if digits[:2].lower() == "0x":
        sign = -1 if found.group(1) == "-" else 1
        return Reading(_in_range(_signed_bits(sign, int(digits, 16), bounds), bounds, name))
    value = int(digits)
    return Reading(_in_range(-value if found.group(1) == "-" else value, bounds, name))


def _bits(value: int, bounds: tuple[int, int]) -> int:
    """A hex literal as the bit pattern of its type: `int(0xf090013d)` is negative. The analyzer's own value
    must agree (the translator compares the two readings), as the reference gives no example."""
    width = 2 * (bounds[1] + 1)
    return value - width if bounds[1] < value < width else value


def _signed_bits(sign: int, value: int, bounds: tuple[int, int]) -> int:
    """A signed hex literal in two's complement: `long(-0x8000000000000000)` is the smallest long (negating
    the bit pattern, as the analyzer does, rather than the pattern's value, which would overflow)."""
    width = 2 * (bounds[1] + 1)
    if sign > 0 or value >= width:
        return sign * _bits(value, bounds)
    return _bits(-value % width, bounds)


def _signed(text: str) -> tuple[int, str, str]:
    """(1 or -1, the sign as written, the rest) of a number that may be written with a sign."""
    if text[:1] in "+-":
        return (-1 if text[0] == "-" else 1), text[0], text[1:].lstrip()
    return 1, "", text


def _long(text: str) -> Reading:
    return _integer(text, "long", _LONG_RANGE, bare=True)


def _int(text: str) -> Reading:
    return _integer(text, "int", _INT_RANGE, bare=False)


def _real(text: str) -> Reading:
    inner = _wrapped(text, ("real", "double"))
    if inner is None:
        sign, _, digits = _signed(text)
        if not _REAL.fullmatch(digits):
            raise Unreadable("not a real literal")
        return Reading(sign * _finite(digits))
    special = {"null": None, "nan": math.nan, "+inf": math.inf, "-inf": -math.inf}
    if inner in special:
        return Reading(special[inner])
    found = _SIGNED_NUMBER.fullmatch(inner)
    if found is None:
        raise Unreadable("the reference gives real() a number, null, nan, +inf or -inf")
    value = _finite(found.group(2))
    return Reading(-value if found.group(1) == "-" else value)


def _finite(digits: str) -> float:
    value = float(digits)
    if math.isinf(value):
        raise Unreadable("beyond the range of real")
    return value


def _decimal(text: str) -> Reading:
    inner = _wrapped(text, ("decimal",))
    if inner is None:
        raise Unreadable("a decimal literal is written decimal(...)")
    if inner == "null":
        return Reading(None)
    found = _SIGNED_NUMBER.fullmatch(inner)
    if found is None:
        raise Unreadable(f"{inner} is not a number")
    try:
        value = Decimal(found.group(1) + found.group(2))
    except InvalidOperation:
        raise Unreadable(f"{inner} is not a number") from None
    # The local engine holds decimals as reals: only a value a real holds exactly as written is read.
    if Decimal(repr(float(value))) != value:
        raise Unreadable("more digits than the local engine's decimals keep")
    return Reading(value)


def _bool(text: str) -> Reading:
    if text in _BOOLEANS:
        return Reading(_BOOLEANS[text])
    inner = _wrapped(text, ("bool", "boolean"))
    if inner is None:
        raise Unreadable(f"{text} is not a bool literal")
    if inner == "null":
        return Reading(None)
    if inner in _BOOLEANS:
        return Reading(_BOOLEANS[inner])
    raise Unreadable("the reference gives bool() true, false or null")


def _timespan(text: str) -> Reading:
    inner = _wrapped(text, ("time", "timespan"))
    if inner is None:
        return Reading(_unit_ticks(text))
    if inner == "null":
        return Reading(None)
    if _DIGITS.fullmatch(inner):  # timespan(2) is two days
        return Reading(int(inner) * 864_000_000_000)
    clock = _CLOCK.fullmatch(inner)
    if clock is not None:
        return Reading(_clock_ticks(clock))
    return Reading(_unit_ticks(inner))


def _unit_ticks(text: str) -> int:
    found = _UNIT_TIMESPAN.fullmatch(text)
    if found is None:
        raise Unreadable(f"{text} is not a timespan literal")
    ticks = Decimal(found.group(1)) * _UNIT_TICKS[found.group(2)]
    if ticks != ticks.to_integral_value():
        raise Unreadable("not a whole number of ticks (100 ns)")
    return _in_range(int(ticks), _LONG_RANGE, "timespan")


def _clock_ticks(clock: re.Match[str]) -> int:
    sign, days, hours, minutes, seconds, fraction = clock.groups()
    if int(hours) > 23 or int(minutes) > 59 or int(seconds or 0) > 59:
        raise Unreadable("a clock timespan with hours past 23 or minutes or seconds past 59")
    if fraction is not None and len(fraction) > 7:
        raise Unreadable("a fraction of a second finer than a tick (100 ns)")
    total = ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + int(seconds or 0)
    ticks = total * TICKS_PER_SECOND + int((fraction or "").ljust(7, "0"))
    return -ticks if sign == "-" else ticks


def _guid(text: str) -> Reading:
    inner = _wrapped(text, ("guid",))
    if inner is None:
        raise Unreadable("a guid literal is written guid(...)")
    if inner == "null":
        return Reading(None)
    if not _GUID.fullmatch(inner):
        raise Unreadable("not a guid in the 8-4-4-4-12 form")
    return Reading(inner.lower())


_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPES["v"] = "\v"
_ESCAPE = re.compile(
    r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([0-3][0-7]{2}|[0-7]{1,2})|(.))", re.S
)
_STRING = re.compile(r"""(?s)\s*[hH]?(@?)(['"])(.*)\2\s*""")


def string_value(text: str) -> str:
    """One string token: quoted with ' or ", verbatim with @ (a doubled quote is one quote), obfuscated with
    h (the value is the same)."""
    if text[:3] == "```" and len(text) >= 6 and text[-3:] == "```":
        return text[3:-3]
    found = _STRING.fullmatch(text)
    if found is None:
        raise Unreadable(f"{text} is not a string literal")
    verbatim, quote, body = found.groups()
    if verbatim:
        if quote in body.replace(quote * 2, ""):
            raise Unreadable(f"{text} is not one string literal")
        return body.replace(quote * 2, quote)

    def escape(match: re.Match[str]) -> str:
        four, eight, two, octal, single = match.groups()
        if four or eight or two:
            return chr(int(four or eight or two, 16))
        if octal:
            return chr(int(octal, 8))
        if single in _ESCAPES:
            return _ESCAPES[single]
        raise Unreadable(f"the escape \\{single}")

    if quote in _ESCAPE.sub("", body):
        raise Unreadable(f"{text} is not one string literal")
    return _ESCAPE.sub(escape, body)


def _string(text: str) -> Reading:
    """A string literal, or adjacent ones (`'a' 'b'` is `'ab'`)."""
    parts: list[str] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        token = _string_token(text, position)
        parts.append(string_value(token))
        position += len(token)
    if not parts:
        raise Unreadable("an empty string literal")
    return Reading("".join(parts))


def _string_token(text: str, start: int) -> str:
    """The string token starting at `start`: quoted strings end at the first unescaped quote, verbatim ones
    at the first quote not doubled."""
    if text.startswith("```", start):
        # A multi-line string: its text as written (no escapes), up to the closing fence.
        end = text.find("```", start + 3)
        if end < 0:
            raise Unreadable(f"{text} has an unterminated string")
        return text[start : end + 3]
    index = start
    while index < len(text) and text[index] in "hH@":
        index += 1
    verbatim = "@" in text[start:index]
    if index >= len(text) or text[index] not in "'\"":
        raise Unreadable(f"{text} is not a string literal")
    quote = text[index]
    index += 1
    while index < len(text):
        char = text[index]
        if not verbatim and char == "\\":
            index += 2
            continue
        if char == quote:
            if verbatim and text[index + 1 : index + 2] == quote:
                index += 2
                continue
            return text[start : index + 1]
        index += 1
    raise Unreadable(f"{text} has an unterminated string")


_READERS = {
    "LongLiteralExpression": _long,
    "IntLiteralExpression": _int,
    "RealLiteralExpression": _real,
    "DecimalLiteralExpression": _decimal,
    "BooleanLiteralExpression": _bool,
    "TimespanLiteralExpression": _timespan,
    "GuidLiteralExpression": _guid,
    "StringLiteralExpression": _string,
    "CompoundStringLiteralExpression": _string,
}
