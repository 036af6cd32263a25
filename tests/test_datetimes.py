"""The one home of datetime text: as Log Analytics prints it, and the fixed-width forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kqlrules.datetimes import (
    format_datetime,
    format_datetime_microseconds,
    format_datetime_milliseconds,
    parse_datetime,
    parse_datetime_microseconds,
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
