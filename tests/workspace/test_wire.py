from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kqlrules.workspace.wire import TimespanFormatError, parse_timespan_param

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("param", "span"),
    [
        (
            "2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z",
            (NOW - timedelta(hours=2), NOW - timedelta(hours=1)),
        ),
        ("2024-05-01T10:00:00Z/PT3600.0S", (NOW - timedelta(hours=2), NOW - timedelta(hours=1))),
        ("PT1H/2024-05-01T11:00:00Z", (NOW - timedelta(hours=2), NOW - timedelta(hours=1))),
        ("PT300.0S", (NOW - timedelta(minutes=5), NOW)),
        ("P1D", (NOW - timedelta(days=1), NOW)),
        (None, None),
    ],
)
def test_request_timespans_are_iso_8601_intervals(
    param: str | None, span: tuple[datetime, datetime] | None
) -> None:
    assert parse_timespan_param(param, NOW) == span


def test_a_malformed_timespan_says_which_part_is_wrong() -> None:
    with pytest.raises(TimespanFormatError, match="'yesterday' is not an ISO 8601 date-time"):
        parse_timespan_param("yesterday/PT1H", NOW)


def test_a_kql_literal_is_not_a_request_duration() -> None:
    # The query API's `timespan` is ISO 8601 only: `5m` is KQL's spelling, not the service's.
    with pytest.raises(TimespanFormatError, match="'5m' is not an ISO 8601 duration"):
        parse_timespan_param("5m", NOW)
