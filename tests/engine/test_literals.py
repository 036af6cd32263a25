"""Literals of every documented form give their documented value (Kusto reference, scalar-data-types/*), and
undocumented forms are refused.

The property test writes each literal from a value it chose (the expected value is never read back from the
text), runs them through the whole engine (analyzer, translator, DuckDB) and compares.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqlrules.datetimes import with_tick
from kqlrules.engine import LocalEngine, UnsupportedKql
from kqlrules.timespan import from_ticks

Literal = tuple[str, Any]  # (text, expected value as the engine returns it)

TICKS = {"d": 864_000_000_000, "h": 36_000_000_000, "m": 600_000_000, "s": 10_000_000, "ms": 10_000}
UNIT_SPELLINGS = {
    "d": ["d", "day", "days"],
    "h": ["h", "hr", "hrs", "hour", "hours"],
    "m": ["m", "min", "minute", "minutes"],
    "s": ["s", "sec", "second", "seconds"],
    "ms": ["ms", "milli", "millis", "millisecond", "milliseconds"],
}


def _ticks(value: int) -> timedelta:
    return timedelta(microseconds=value // 10)


@st.composite
def longs(draw: st.DrawFn) -> Literal:
    value = draw(st.integers(min_value=-(2**63), max_value=2**63 - 1))
    forms = [f"long({value})"]
    if value >= 0:
        forms += [str(value), hex(value), f"long({hex(value)})", hex(value).upper().replace("X", "x")]
    else:
        forms.append(f"long(-{hex(-value)})")
    return draw(st.sampled_from(forms)), value


@st.composite
def ints(draw: st.DrawFn) -> Literal:
    value = draw(st.integers(min_value=-(2**31), max_value=2**31 - 1))
    return f"int({value})", value


@st.composite
def reals(draw: st.DrawFn) -> Literal:
    value = draw(st.floats(allow_nan=False, allow_infinity=False))
    text = repr(abs(value))
    if "." not in text and "e" not in text:
        text += ".0"
    forms = [f"real({'-' if math.copysign(1, value) < 0 else ''}{text})"]
    if value >= 0:
        forms += [text, f"double({text})"]
    return draw(st.sampled_from(forms)), value


SPECIAL_REALS: list[Literal] = [
    ("real(nan)", math.nan),
    ("real(+inf)", math.inf),
    ("real(-inf)", -math.inf),
    ("real(null)", None),
    ("double(nan)", math.nan),
]


@st.composite
def timespans(draw: st.DrawFn) -> Literal:
    unit = draw(st.sampled_from(sorted(TICKS)))
    count = draw(st.integers(min_value=0, max_value=10_000))
    spelling = draw(st.sampled_from(UNIT_SPELLINGS[unit]))
    text = f"{count}{spelling}"
    if unit in ("d", "h") and draw(st.booleans()):
        text = f"{count}.5{spelling}"  # a half of a day or an hour is a whole number of ticks
        return draw(st.sampled_from([text, f"time({text})"])), _ticks(count * TICKS[unit] + TICKS[unit] // 2)
    return draw(st.sampled_from([text, f"timespan({text})", f"time({count} {spelling})"])), _ticks(
        count * TICKS[unit]
    )


@st.composite
def clocks(draw: st.DrawFn) -> Literal:
    days = draw(st.integers(min_value=0, max_value=400))
    hours, minutes, seconds = (
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )
    ticks = draw(st.integers(0, 9_999_999))
    fraction = f"{ticks:07d}"  # seven digits: the tick (100 ns)
    if ticks % 10 == 0 and draw(st.booleans()):
        fraction = fraction[:6]
    text = f"time({days}.{hours:02d}:{minutes:02d}:{seconds:02d}.{fraction})"
    whole = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return text, from_ticks(whole * 10_000_000 + ticks)


@st.composite
def datetimes(draw: st.DrawFn) -> Literal:
    """A datetime to the tick, within the span the engine holds (1677-09-21 .. 2262-04-11)."""
    day = draw(st.dates(min_value=date(1678, 1, 1), max_value=date(2261, 12, 31)))
    hours, minutes, seconds = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    ticks = draw(st.integers(0, 9_999_999))
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}.{ticks:07d}"
    text = draw(st.sampled_from([f"datetime({day} {clock})", f"datetime({day}T{clock}Z)"]))
    micros, tick = divmod(ticks, 10)
    value = datetime(day.year, day.month, day.day, hours, minutes, seconds, micros, tzinfo=UTC)
    return text, with_tick(value, tick)


@st.composite
def days(draw: st.DrawFn) -> Literal:
    count = draw(st.integers(0, 3000))
    return f"{draw(st.sampled_from(['time', 'timespan']))}({count})", timedelta(days=count)


@st.composite
def bools(draw: st.DrawFn) -> Literal:
    value = draw(st.booleans())
    word = draw(st.sampled_from([str(value).lower(), str(value).upper(), str(value)]))
    return draw(st.sampled_from([word, f"bool({str(value).lower()})"])), value


@st.composite
def guids(draw: st.DrawFn) -> Literal:
    value = uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))
    text = str(value)
    return f"guid({draw(st.sampled_from([text, text.upper()]))})", text


_SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"),
    max_size=12,
)


@st.composite
def strings(draw: st.DrawFn) -> Literal:
    value = draw(_SAFE_TEXT)
    escaped = value.replace("\\", "\\\\")
    forms = [
        '"' + escaped.replace('"', '\\"') + '"',
        "'" + escaped.replace("'", "\\'") + "'",
        "@'" + value.replace("'", "''") + "'",
        '@"' + value.replace('"', '""') + '"',
        "h'" + escaped.replace("'", "\\'") + "'",
    ]
    if "```" not in value and not value.endswith("`"):
        forms.append("```" + value + "```")
    return draw(st.sampled_from(forms)), value


@st.composite
def escaped_strings(draw: st.DrawFn) -> Literal:
    char = draw(st.characters(min_codepoint=1, max_codepoint=0xFFFF, blacklist_categories=("Cs",)))
    form = draw(st.sampled_from(["u", "x", "octal", "named"]))
    named = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\", "'": "\\'", '"': '\\"'}
    if form == "named" and char in named:
        return f"'{named[char]}'", char
    if form == "x" and ord(char) < 256:
        return f"'\\x{ord(char):02x}'", char
    if form == "octal" and ord(char) < 256:
        return f"'\\{ord(char):03o}'", char
    return f"'\\u{ord(char):04x}'", char


LITERALS = st.one_of(
    longs(),
    ints(),
    reals(),
    st.sampled_from(SPECIAL_REALS),
    timespans(),
    clocks(),
    datetimes(),
    days(),
    bools(),
    guids(),
    strings(),
    escaped_strings(),
)


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return actual == expected or (math.isnan(actual) and math.isnan(expected))
    return bool(actual == expected) and type(actual) is type(expected)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LITERALS, min_size=1, max_size=12))
def test_every_documented_literal_form_has_its_value(engine: LocalEngine, literals: list[Literal]) -> None:
    query = "print " + ", ".join(f"c{i} = {text}" for i, (text, _) in enumerate(literals))
    row = engine.query(query).rows[0]
    for (text, expected), actual in zip(literals, row, strict=True):
        assert _same(actual, expected), f"{text}: {actual!r}, expected {expected!r}"


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("0xf", 15),  # long: "0xf is equivalent to 15"
        ("0XFF", 255),
        ("long(-0x10)", -16),
        ("int(0x10)", 16),
        ("dynamic(0xf)", 15),
        ("time(2)", timedelta(days=2)),  # timespan: "timespan(2) | 2 days"
        ("timespan(15 seconds)", timedelta(seconds=15)),
        ("time(0.12:34:56.7)", timedelta(hours=12, minutes=34, seconds=56.7)),
        ("1.5h", timedelta(hours=1.5)),
        ("10microsecond", timedelta(microseconds=10)),
        ("2hrs", timedelta(hours=2)),
        ("decimal(1.25)", 1.25),
    ],
)
def test_documented_examples(engine: LocalEngine, literal: str, value: Any) -> None:
    assert engine.query(f"print v = {literal}").rows == [[value]]


def test_real_specials_reach_operators(engine: LocalEngine) -> None:
    row = engine.query(
        "print isnan(real(nan)), isinf(real(+inf)), real(-inf) < 0, isnan(real(nan) + 1)"
    ).rows[0]
    assert row == [True, True, True, True]


@pytest.mark.parametrize(
    "literal",
    [
        "bool(1)",  # bool(): true, false or null only
        "bool(0)",
        "long(2.7)",  # long(): an integer or null
        "int(5.0)",
        "real(inf)",  # real(): +inf and -inf, with their sign
        "9223372036854775808",  # beyond long
        "int(2147483648)",  # beyond int
        "1e400",  # beyond real
        "1nanosecond",  # not a whole number of ticks
        "time(1.5)",  # timespan(n) is a whole number of days
        "time(25:00:00)",  # hours of a clock timespan are below 24
        "time(0.00:00:00.12345678)",  # finer than a tick
        "decimal(0.12345678901234567890)",  # more digits than the engine's decimals keep
        "guid(0123)",
    ],
)
def test_undocumented_or_unrepresentable_literals_are_refused(engine: LocalEngine, literal: str) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query(f"print v = {literal}")


def test_a_literal_after_a_character_beyond_the_basic_plane_is_read_where_it_is(engine: LocalEngine) -> None:
    # The analyzer's offsets count UTF-16 code units: an emoji before a literal shifts it by one.
    assert engine.query("print a = '😀', b = 0xf, c = '𐀀x'").rows == [["😀", 15, "𐀀x"]]
