"""The one home of duration text: KQL literals, ISO 8601 durations and .NET constant timespans."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kqlrules.timespan import (
    TimespanError,
    format_dotnet_timespan,
    format_timespan,
    parse_dotnet_timespan,
    parse_iso8601_duration,
    parse_timespan,
    ticks,
    to_iso8601,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(minutes=5), "00:05:00"),
        (timedelta(days=2, hours=3), "2.03:00:00"),
        (timedelta(seconds=1, microseconds=500), "00:00:01.0005000"),
        (-timedelta(seconds=90), "-00:01:30"),
        (timedelta(days=14), "14.00:00:00"),
    ],
)
def test_dotnet_timespans_both_ways(value: timedelta, text: str) -> None:
    assert format_dotnet_timespan(value) == text
    assert parse_dotnet_timespan(text) == value


def test_dotnet_timespan_reads_seven_fraction_digits_and_optional_seconds() -> None:
    # Seven digits are ticks (100 ns), kept exactly: not rounded to 123457 microseconds.
    assert ticks(parse_dotnet_timespan("00:00:00.1234567")) == 1234567
    assert format_dotnet_timespan(parse_dotnet_timespan("-00:00:00.0000001")) == "-00:00:00.0000001"
    assert parse_dotnet_timespan("01:30") == timedelta(hours=1, minutes=30)


@pytest.mark.parametrize(
    "text", ["24:00:00", "00:60:00", "00:00:60", "1h", "", "00:00:00.12345678", "1.2.03:00"]
)
def test_dotnet_timespan_refuses_what_dotnet_refuses(text: str) -> None:
    with pytest.raises(TimespanError):
        parse_dotnet_timespan(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("PT5M", timedelta(minutes=5)), ("P1D", timedelta(days=1)), ("PT3600.0S", timedelta(hours=1)),
     ("P1DT2H", timedelta(days=1, hours=2))],
)  # fmt: skip
def test_iso8601_durations(text: str, value: timedelta) -> None:
    assert parse_iso8601_duration(text) == value
    assert parse_timespan(text) == value


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "5m", "1h", "PT5X", ""])
def test_iso8601_duration_refuses_kql_literals_and_empty_parts(text: str) -> None:
    with pytest.raises(TimespanError):
        parse_iso8601_duration(text)


def test_kql_literals_round_trip_through_their_shortest_form() -> None:
    for text in ("5m", "1h", "14d", "90s", "250ms"):
        assert format_timespan(parse_timespan(text)) == text
    assert parse_timespan("2hours") == timedelta(hours=2)
    assert to_iso8601(timedelta(hours=1, minutes=30)) == "PT1H30M"
    with pytest.raises(TimespanError, match="not a timespan"):
        parse_timespan("soon")
