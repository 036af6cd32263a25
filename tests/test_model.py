from datetime import timedelta

import pytest
from pydantic import ValidationError

from kqlrules.rules.model import Detection
from kqlrules.timespan import parse_timespan, to_iso8601

BASE = {
    "id": "4d1c5f7e-0f6a-4c1e-9b8e-2f1d3c4b5a69",
    "name": "Example",
    "severity": "High",
    "schedule": {"frequency": "1h", "period": "1h"},
}


def test_timespans_parse_as_kql_writes_them() -> None:
    assert parse_timespan("5m") == timedelta(minutes=5)
    assert parse_timespan("14d") == timedelta(days=14)
    assert parse_timespan("PT1H") == timedelta(hours=1)
    assert to_iso8601(timedelta(days=1)) == "P1D"
    assert to_iso8601(timedelta(minutes=90)) == "PT1H30M"


def test_entity_shorthand_uses_the_default_identifier() -> None:
    detection = Detection.model_validate({**BASE, "entities": {"Account": "UserPrincipalName"}})
    assert [(e.type, e.fields) for e in detection.entities] == [
        ("Account", {"FullName": "UserPrincipalName"})
    ]


def test_one_entity_type_may_be_mapped_twice_in_list_form() -> None:
    entities = [
        {"type": "Account", "fields": {"FullName": "Actor"}},
        {"type": "Account", "fields": {"FullName": "Target"}},
    ]
    detection = Detection.model_validate({**BASE, "entities": entities})
    assert [e.fields["FullName"] for e in detection.entities] == ["Actor", "Target"]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"frequency": "30s", "period": "1h"}, "between 1m and 14d"),
        ({"frequency": "1h", "period": "30m"}, "period must be at least frequency"),
        ({"frequency": "30m", "period": "2d"}, "at least 1h when period is 2d"),
    ],
)
def test_schedule_limits(schedule: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Detection.model_validate({**BASE, "schedule": schedule})
