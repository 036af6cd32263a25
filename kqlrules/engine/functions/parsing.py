"""How Kusto reads values from text: `todatetime()`, `totimespan()`, `tolong()`, `toreal()`, `tobool()`,
`toguid()`. Each returns None where Kusto returns null (text it cannot convert).

Pure Python: `kqlrules.engine.udfs` registers these on each DuckDB connection.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import datetime, timedelta

from kqlrules.datetimes import unix_ticks, with_tick
from kqlrules.engine.errors import DATETIME_OUTSIDE_ENGINE, RefusedAtRunTime
from kqlrules.engine.types import MAX_UNIX_TICKS, MIN_UNIX_TICKS
from kqlrules.timespan import TimespanError, parse_timespan

TICKS_PER_SECOND = 10_000_000

_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,7})\d*)?)?)?"
    r"\s*(?P<tz>Z|GMT|UTC|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_COMPACT = re.compile(
    r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:T(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?Z?$"
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_RFC = re.compile(
    r"^(?:[a-z]+,?\s+)?(?P<d>\d{1,2})[\s-](?P<mon>[a-z]{3})[a-z]*[\s-](?P<y>\d{2,4})\s+"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<tz>GMT|UTC|Z|[+-]\d{4})?$",
    re.IGNORECASE,
)
# .NET's invariant culture, which Kusto's datetime parsing falls back to: M/d/yyyy [h:mm[:ss[.f]]] [AM|PM],
# or with dashes (the reference: todatetime('12-02-2022') == datetime('12-02-2022'), December 2nd).
_US = re.compile(
    r"^(?P<mo>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4})"
    r"(?:\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,7}))?)?(?:\s*(?P<ampm>AM|PM))?)?$",
    re.IGNORECASE,
)
_TIMESPAN = re.compile(
    r"^(?P<sign>-)?(?:(?P<d>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d{1,7}))?)?$"
)
_DIGITS = re.compile(r"\d+")
_MONTH_NAME = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
_DATE_WORD = re.compile(
    r"(?i)\b(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?"
    r"|sun(?:day)?|am|pm|gmt|utc)\b|(?<=\d)[tz]|[tz](?=\d)"
)
_LETTER = re.compile(r"[^\W\d_]")


def _date_like(text: str) -> bool:
    """Text made only of a date's or a time's parts: digits, separators, month and day names, AM/PM, a
    zone, with two runs of digits or a month's name and a number. A word of any other kind
    (`nonValidDateTime 08:40:01`, which parse-operator.md's example reads as null) or a lone number
    (`Time_s-0`, `12345`) no parser reads as a date: null."""
    rest = _DATE_WORD.sub(" ", _MONTH_NAME.sub(" ", text))
    if _LETTER.search(rest):
        return False
    runs = len(_DIGITS.findall(text))
    return runs >= 2 or (runs == 1 and _MONTH_NAME.search(text) is not None)


def _known_format(text: str) -> bool:
    """Whether text has one of the datetime grammars above (one that is no valid date is null)."""
    return any(grammar.match(text) for grammar in (_ISO, _COMPACT, _US, _RFC))


_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_REAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def parse_datetime(text: str) -> datetime | None:
    raw = text.strip()
    match = _ISO.match(raw) or _COMPACT.match(raw)
    try:
        if match:
            groups = match.groupdict()
            fraction = (groups.get("f") or "").ljust(7, "0")
            value = datetime(
                int(groups["y"]),
                int(groups["mo"]),
                int(groups["d"]),
                int(groups["h"] or 0),
                int(groups["mi"] or 0),
                int(groups["s"] or 0),
                int(fraction[:6] or 0),
            )
            return with_tick(value - _offset(groups.get("tz")), int(fraction[6]))
        match = _US.match(raw)
        if match:
            hour = int(match["h"] or 0)
            if match["ampm"]:
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if match["ampm"].upper() == "PM" else 0)
            fraction = (match["f"] or "").ljust(7, "0")
            base = datetime(
                int(match["y"]),
                int(match["mo"]),
                int(match["d"]),
                hour,
                int(match["mi"] or 0),
                int(match["s"] or 0),
                int(fraction[:6]),
            )
            return with_tick(base, int(fraction[6]))
        match = _RFC.match(raw)
        if match and match["mon"].lower() in _MONTHS:
            year = int(match["y"])
            year += 2000 if year < 50 else 1900 if year < 100 else 0
            value = datetime(
                year,
                _MONTHS[match["mon"].lower()],
                int(match["d"]),
                int(match["h"]),
                int(match["mi"]),
                int(match["s"] or 0),
            )
            return value - _offset(match["tz"])
    except RefusedAtRunTime:
        raise
    except ValueError:
        return None
    return None


def parse_datetime_ticks(text: str) -> int | None:
    """`todatetime()` for SQL: the instant as 100-ns ticks from 1970 (None where Kusto gives null), refused
    outside the span the engine holds (kqlrules.engine.types)."""
    value = parse_datetime(text)
    if value is None:
        if _date_like(text) and not _known_format(text.strip()):
            # Not one of datetime.md's formats nor .NET's invariant M/d/yyyy, yet shaped like a date or a
            # time: Kusto's fallback parser may read it ("2015-12-31 11:59:59 PM", "Dec 31, 2015",
            # "19:01:00.7654321") or not, so no null is given for it.
            raise RefusedAtRunTime("todatetime() of text in a format the reference does not list")
        return None
    try:
        ticks = unix_ticks(value)
    except OverflowError:
        raise RefusedAtRunTime(DATETIME_OUTSIDE_ENGINE) from None
    if not MIN_UNIX_TICKS <= ticks <= MAX_UNIX_TICKS:
        raise RefusedAtRunTime(DATETIME_OUTSIDE_ENGINE)
    return ticks


def _offset(tz: str | None) -> timedelta:
    if not tz or tz.upper() in ("Z", "GMT", "UTC"):
        return timedelta(0)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


def parse_timespan_ticks(text: str) -> int | None:
    raw = text.strip()
    match = _TIMESPAN.match(raw)
    if match:
        hours, minutes, seconds = int(match["h"]), int(match["m"]), int(match["s"] or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            return None
        ticks = (((int(match["d"] or 0) * 24 + hours) * 60 + minutes) * 60 + seconds) * TICKS_PER_SECOND
        ticks += int((match["f"] or "").ljust(7, "0") or 0)
        return _in_long_range(-ticks if match["sign"] else ticks)
    try:
        delta = parse_timespan(raw)
    except TimespanError:
        return None
    return _in_long_range((delta.days * 86_400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10)


def _in_long_range(ticks: int) -> int | None:
    """A timespan is a long count of ticks (scalar-data-types/timespan.md): text beyond does not convert."""
    return ticks if -(2**63) <= ticks < 2**63 else None


def parse_long(text: str) -> int | None:
    if not _INTEGER.match(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def text_to_long(text: str, truncate: bool) -> int | None:
    """`toint()`/`tolong()` of text. toint-function.md: "If the input includes a decimal value, the result
    truncate to only the integer portion"; tolong-function.md says nothing of decimals, so `tolong("1.5")` is
    refused rather than guessed."""
    whole = parse_long(text)
    if whole is not None or not _REAL.match(text):
        return whole
    if not truncate:
        raise RefusedAtRunTime("tolong() of text holding a decimal value (the reference does not say)")
    value = float(text)
    return int(value) if math.isfinite(value) and abs(value) < 2**63 else None


def dynamic_to_integer(text: str, truncate: bool) -> int | None:
    """`toint()`/`tolong()` of a dynamic value: a string inside is read as text is (see `text_to_long`)."""
    value = json.loads(text)
    if isinstance(value, str):
        return text_to_long(value, truncate)
    return dynamic_to_long(text)


def parse_real(text: str) -> float | None:
    raw = text.strip()
    if _REAL.match(raw):
        return float(raw)
    special = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf, "+infinity": math.inf}
    return special.get(raw.lower())


def parse_bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


_HEX = frozenset("0123456789abcdefABCDEF")
# The number of hex digits after which a GUID's text may hold a hyphen (8-4-4-4-12).
_HYPHEN_PLACES = frozenset({8, 12, 16, 20})


def parse_guid(text: str) -> str | None:
    """toguid-function.md: "takes the first 32 characters of the input, ignoring properly located hyphens,
    validates that the characters are between 0-9 or a-f ... The rest of the string is ignored." A hyphen
    may stand after the 8th, 12th, 16th or 20th digit (its example leaves the first one out); any other
    character before the 32nd digit fails the validation (null)."""
    digits: list[str] = []
    hyphen_after = -1
    for char in text:
        if len(digits) == 32:
            break
        if char == "-" and len(digits) in _HYPHEN_PLACES and hyphen_after != len(digits):
            hyphen_after = len(digits)
            continue
        if char not in _HEX:
            return None
        digits.append(char)
    if len(digits) < 32:
        return None
    return str(uuid.UUID("".join(digits)))


def parse_json_text(text: str) -> str:
    """`parse_json()`: the JSON value, or the text itself as a dynamic string when it is not JSON. The empty
    string is null (the reference: `gettype(parse_json(''))` is `null`)."""
    if text == "":
        return "null"
    try:
        # NaN and Infinity are not JSON (json.org, which parse-json-function.md names): such text stays text.
        value = json.loads(text, parse_constant=_not_json)
    except ValueError:
        return json.dumps(text, ensure_ascii=False)
    _refuse_unheld_numbers(value)
    return json.dumps(value, ensure_ascii=False)


def _refuse_unheld_numbers(value: object) -> None:
    """A JSON number a long or a real cannot hold (a whole number beyond 64 bits, an exponent beyond the
    double's) has no documented dynamic value: parse-json-function.md does not say whether it becomes a real,
    a decimal or an error, so it is refused rather than kept digit for digit or made infinite."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise RefusedAtRunTime("parse_json() of a whole number beyond the range of long")
    if isinstance(value, float) and math.isinf(value):
        raise RefusedAtRunTime("parse_json() of a number beyond the range of real")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_unheld_numbers(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_unheld_numbers(item)


def _not_json(constant: str) -> float:
    raise ValueError(f"{constant} is not JSON")


def dynamic_to_real(text: str) -> float | None:
    value = json.loads(text)
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return parse_real(value)
    return None


def dynamic_to_long(text: str) -> int | None:
    value = json.loads(text)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and abs(value) < 2**63 else None
    if isinstance(value, str):
        return parse_long(value)
    return None
