"""How values print and parse as text (the pure helpers behind tostring(), todatetime(), totimespan())."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.formatting import format_real
from kqlrules.engine.functions.parsing import (
    parse_datetime,
    parse_datetime_ticks,
    parse_long,
    parse_real,
    parse_timespan_ticks,
)
from kqlrules.timespan import format_dotnet_ticks


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-2.5, "-2.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456789012345.0, "123456789012345"),
        (1e15, "1E+15"),
        (1.5e20, "1.5E+20"),
        (0.0001, "0.0001"),
        (0.00001, "1E-05"),
        (1.7976931348623157e308, "1.7976931348623157E+308"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
    ],
)
def test_reals_print_like_dotnet(value: float, text: str) -> None:
    assert format_real(value) == text


@pytest.mark.parametrize(
    ("ticks", "text"),
    [
        (0, "00:00:00"),
        (36_000_000_000, "01:00:00"),
        (864_000_000_000 + 1, "1.00:00:00.0000001"),
        (-50_000_000, "-00:00:05"),
    ],
)
def test_timespans_print_in_the_constant_format(ticks: int, text: str) -> None:
    assert format_dotnet_ticks(ticks) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2015-12-31", datetime(2015, 12, 31)),
        ("2015-12-31T23:59:59.1234560Z", datetime(2015, 12, 31, 23, 59, 59, 123456)),
        ("2015-12-31 23:59:59+02:00", datetime(2015, 12, 31, 21, 59, 59)),
        ("20151231T235959Z", datetime(2015, 12, 31, 23, 59, 59)),
        ("Thu, 31 Dec 2015 23:59:59 GMT", datetime(2015, 12, 31, 23, 59, 59)),
        ("2015-02-30", None),
        ("yesterday", None),
    ],
)
def test_datetimes_parse_from_iso_and_rfc_forms(text: str, value: datetime | None) -> None:
    assert parse_datetime(text) == value


@pytest.mark.parametrize(
    ("text", "ticks"),
    [("2015-12-31T23:59:59.1234567Z", 14516063991234567), ("12/31/2015 23:59:59.0000001", 14516063990000001)],
)
def test_a_datetime_text_with_seven_fraction_digits_keeps_its_last_tick(text: str, ticks: int) -> None:
    # scalar-data-types/datetime.md: a datetime counts 100-ns ticks; the seventh fraction digit is one.
    assert parse_datetime_ticks(text) == ticks


def test_a_datetime_text_the_engine_cannot_hold_is_refused() -> None:
    with pytest.raises(RefusedAtRunTime):
        parse_datetime_ticks("1600-01-01")


@pytest.mark.parametrize(
    ("text", "ticks"),
    [
        ("00:03:00", 1_800_000_000),
        ("2.01:00:00", 1_764_000_000_000),
        ("5m", 3_000_000_000),
        ("25:00:00", None),
    ],
)
def test_timespans_parse_from_text(text: str, ticks: int | None) -> None:
    assert parse_timespan_ticks(text) == ticks


def test_numbers_parse_only_when_the_whole_text_is_a_number() -> None:
    assert (parse_long(" 42 "), parse_long("4.2"), parse_long("x")) == (42, None, None)
    assert (parse_real("1e3"), parse_real("abc")) == (1000.0, None)
