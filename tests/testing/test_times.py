"""Times in test cases: `now`, offsets from it, and ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.testing.times import TimeFormatError, parse_duration, parse_time

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("-2h", NOW - timedelta(hours=2)),
        ("-1d3h", NOW - timedelta(days=1, hours=3)),
        ("now-30m", NOW - timedelta(minutes=30)),
        ("now - 90s", NOW - timedelta(seconds=90)),
        ("+5m", NOW + timedelta(minutes=5)),
        ("-1.5h", NOW - timedelta(hours=1, minutes=30)),
    ],
)
def test_relative_times_count_from_the_cases_now(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


def test_iso_times_without_a_zone_are_utc() -> None:
    assert parse_time("2024-04-30T08:15:00", NOW) == datetime(2024, 4, 30, 8, 15, tzinfo=UTC)


def test_iso_times_with_an_offset_are_converted_to_utc() -> None:
    assert parse_time("2024-04-30T10:15:00+02:00", NOW) == datetime(2024, 4, 30, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "-2x", "-", "2024-13-01", "-1d3"])
def test_text_that_is_no_time_is_refused(text: str) -> None:
    with pytest.raises(TimeFormatError):
        parse_time(text, NOW)


def test_a_relative_time_needs_a_now() -> None:
    with pytest.raises(TimeFormatError, match="relative"):
        parse_time("-2h", None)


def test_compound_durations_add_up() -> None:
    assert parse_duration("1d3h30m") == timedelta(days=1, hours=3, minutes=30)
