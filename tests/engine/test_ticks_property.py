"""Datetimes and timespans are exact to Kusto's 100-ns tick (scalar-data-types/datetime.md, timespan.md).

The property test draws instants and durations as integer tick counts, writes them as KQL literals, and
compares what the engine answers with an independent reading in Python integers: the calendar from
`date.fromordinal`, every other figure from integer division of the tick counts. Nothing expected is read
back from the engine or from the text it prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqlrules.engine import LocalEngine, UnsupportedKql

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
# Ticks from 0001-01-01 (Kusto's origin, which bin() counts from) to 1970-01-01.
ORIGIN = 621_355_968_000_000_000
UNIX_ORDINAL = date(1970, 1, 1).toordinal()
# The span the engine holds (kqlrules.engine.types), and a narrower one the draws stay in so that the
# arithmetic below never leaves it.
EARLIEST = -92_233_720_368_547_758
LATEST = 92_233_720_368_547_758
DRAWN = st.integers(min_value=-60_000 * TICKS_PER_DAY, max_value=80_000 * TICKS_PER_DAY)


def _parts(ticks: int) -> tuple[date, int, int, int, int]:
    """A tick count from 1970 as its date, hour, minute, second and fraction (ticks)."""
    days, rest = divmod(ticks, TICKS_PER_DAY)
    seconds, fraction = divmod(rest, TICKS_PER_SECOND)
    hour, seconds = divmod(seconds, 3600)
    minute, second = divmod(seconds, 60)
    return date.fromordinal(UNIX_ORDINAL + days), hour, minute, second, fraction


def _text(ticks: int, sep: str = "T", zone: str = "Z") -> str:
    day, hour, minute, second, fraction = _parts(ticks)
    return f"{day.isoformat()}{sep}{hour:02d}:{minute:02d}:{second:02d}.{fraction:07d}{zone}"


def _literal(ticks: int) -> str:
    return f"datetime({_text(ticks, ' ', '')})"


def _floor_to(ticks: int, size: int) -> int:
    """The start of the bin of `size` ticks holding `ticks`, bins laid from 0001-01-01."""
    return (ticks + ORIGIN) // size * size - ORIGIN


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=DRAWN, b=DRAWN, step=st.integers(min_value=1, max_value=40 * TICKS_PER_DAY))
def test_the_engine_reads_ticks_as_python_integers_do(engine: LocalEngine, a: int, b: int, step: int) -> None:
    query = (
        f"let a = {_literal(a)}; let b = {_literal(b)};"
        f" print s = tostring(a), moved = tostring(a + {step}tick), back = tostring(a - {step}tick),"
        " span = tolong(b - a), ns = datetime_diff('nanosecond', b, a),"
        " secs = datetime_diff('second', b, a), days = datetime_diff('day', b, a),"
        " part_ns = datetime_part('nanosecond', a), part_s = datetime_part('second', a),"
        " part_day = datetime_part('day', a), part_month = datetime_part('month', a),"
        " part_year = datetime_part('year', a),"
        f" binned = tostring(bin(a, {step}tick)), end_of_day = tostring(endofday(a)),"
        " formatted = format_datetime(a, 'yyyy-MM-dd HH:mm:ss.fffffff'),"
        f" parsed = tostring(todatetime('{_text(a)}')), earlier = a < b, same = a == todatetime('{_text(a)}')"
    )
    row = engine.query(query).rows[0]
    day, _, _, second, fraction = _parts(a)
    expected: list[Any] = [
        _text(a),
        _text(a + step),
        _text(a - step),
        b - a,
        (b - a) * 100,
        (b + ORIGIN) // TICKS_PER_SECOND - (a + ORIGIN) // TICKS_PER_SECOND,
        (b + ORIGIN) // TICKS_PER_DAY - (a + ORIGIN) // TICKS_PER_DAY,
        fraction * 100,
        second,
        day.day,
        day.month,
        day.year,
        _text(_floor_to(a, step)),
        _text(_floor_to(a, TICKS_PER_DAY) + TICKS_PER_DAY - 1),
        _text(a, " ", ""),
        _text(a),
        a < b,
        True,
    ]
    assert row == expected, query


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=DRAWN)
def test_a_result_datetime_is_the_same_tick(engine: LocalEngine, a: int) -> None:
    (value,) = engine.query(f"print {_literal(a)}").rows[0]
    day, hour, minute, second, fraction = _parts(a)
    assert (value.date(), value.hour, value.minute, value.second) == (day, hour, minute, second)
    assert value.microsecond * 10 + getattr(value, "tick", 0) == fraction


@pytest.mark.parametrize("ticks", [EARLIEST, LATEST])
def test_the_ends_of_the_engine_span_are_exact(engine: LocalEngine, ticks: int) -> None:
    (text,) = engine.query(f"print tostring({_literal(ticks)})").rows[0]
    assert text == _text(ticks)


@pytest.mark.parametrize(
    "kql",
    [
        f"print {_literal(EARLIEST - 1)}",
        f"print {_literal(LATEST + 1)}",
        f"print {_literal(LATEST)} + 1tick",
        f"print {_literal(EARLIEST)} - 1tick",
        "print datetime(0001-01-01)",
        "print datetime(9999-12-31 23:59:59.9999999)",
        "print todatetime('1601-01-01')",
        "print make_datetime(2300, 1, 1)",
        "print datetime_add('year', 300, datetime(2000-01-01))",
        "print endofyear(datetime(2262-01-01))",
    ],
)
def test_an_instant_beyond_the_engine_span_is_refused(engine: LocalEngine, kql: str) -> None:
    with pytest.raises(UnsupportedKql, match="a datetime outside"):
        engine.query(kql)
