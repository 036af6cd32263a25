"""The one home of datetime text: as Log Analytics prints it, and the fixed-width forms."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kqlrules.datetimes import (
    format_datetime,
    format_datetime_microseconds,
    format_datetime_milliseconds,
    from_unix_ticks,
    parse_datetime,
    parse_datetime_microseconds,
    tick_of,
    unix_ticks,
)

T = datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)


def test_log_analytics_form_drops_trailing_zeros_and_prints_utc() -> None:
    assert format_datetime(T) == "2024-05-01T10:00:00.25Z"
    assert format_datetime(T.replace(microsecond=0)) == "2024-05-01T10:00:00Z"
    assert format_datetime(T.astimezone(timezone(timedelta(hours=2)))) == "2024-05-01T10:00:00.25Z"


@pytest.mark.parametrize(
    "text",
    ["2024-05-01T10:00:00.25Z", "2024-05-01T10:00:00.2500000Z", "2024-05-01T12:00:00.25+02:00",
     "2024-05-01 10:00:00.25", "2024-05-01T10:00:00.250z"],
)  # fmt: skip
def test_parse_reads_kusto_seven_digit_fractions_and_takes_no_zone_as_utc(text: str) -> None:
    assert parse_datetime(text) == T


def test_parse_refuses_what_is_not_iso_8601() -> None:
    for text in ("", "yesterday", "05/01/2024"):
        with pytest.raises(ValueError):
            parse_datetime(text)


def test_fixed_width_forms() -> None:
    assert format_datetime_microseconds(T) == "2024-05-01T10:00:00.250000Z"
    assert parse_datetime_microseconds(format_datetime_microseconds(T)) == T
    assert format_datetime_milliseconds(T) == "2024-05-01T10:00:00.250Z"


def test_years_before_1000_keep_four_digits() -> None:
    # glibc's `%Y` writes year 1 as `1`; Kusto's datetimes start at 0001-01-01 and print four digits.
    moment = datetime(1, 1, 1, tzinfo=UTC)
    assert format_datetime(moment) == "0001-01-01T00:00:00Z"
    assert format_datetime_microseconds(moment) == "0001-01-01T00:00:00.000000Z"
    assert format_datetime_milliseconds(moment) == "0001-01-01T00:00:00.000Z"
    assert parse_datetime_microseconds(format_datetime_microseconds(moment)) == moment


# scalar-data-types/datetime.md: a datetime is a count of 100-ns ticks; the seventh fraction digit is one.
def test_a_seventh_fraction_digit_is_kept_as_the_tick() -> None:
    value = parse_datetime("2024-05-01T10:00:00.1234567Z")
    assert tick_of(value) == 7 and value.microsecond == 123456
    assert format_datetime(value) == "2024-05-01T10:00:00.1234567Z"
    assert value != parse_datetime("2024-05-01T10:00:00.123456Z")
    before = parse_datetime("2024-05-01T10:00:00.123456Z")
    after = parse_datetime("2024-05-01T10:00:00.1234568Z")
    assert before < value < after and after > value > before
    assert format_datetime(value + timedelta(days=1)) == "2024-05-02T10:00:00.1234567Z"
    assert format_datetime(value.astimezone(timezone(timedelta(hours=2)))) == "2024-05-01T10:00:00.1234567Z"
    assert pickle.loads(pickle.dumps(value)) == value and copy.deepcopy(value) == value
    assert len({value, parse_datetime("2024-05-01T10:00:00.1234567Z")}) == 1


def test_an_eighth_fraction_digit_is_refused_unless_zero() -> None:
    assert tick_of(parse_datetime("2024-05-01T10:00:00.12345670Z")) == 7
    with pytest.raises(ValueError):
        parse_datetime("2024-05-01T10:00:00.12345678Z")


@pytest.mark.parametrize("ticks", [0, 1, -1, 15_778_368_001_234_567, -9_999_999])
def test_unix_ticks_round_trip(ticks: int) -> None:
    assert unix_ticks(from_unix_ticks(ticks)) == ticks
