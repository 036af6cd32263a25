"""One conversion of a cell to a Kusto type: the exact reading (test fixtures) and the lenient one (workspace
folders) agree wherever both accept a cell, and differ only where the lenient one reads more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kqlrules.testing.values import coerce
from kqlrules.workspace import CellTypeError, to_kusto

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

# (column type, the cell as JSON/YAML holds it, the same cell as CSV text)
CELLS: list[tuple[str, Any, str]] = [
    ("string", "alice@contoso.com", "alice@contoso.com"),
    ("long", 5, "5"),
    ("long", -9223372036854775808, "-9223372036854775808"),
    ("int", 7, "7"),
    ("real", 1.5, "1.5"),
    ("decimal", 2.0, "2"),
    ("bool", True, "true"),
    ("bool", False, "false"),
    ("datetime", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
    ("datetime", "2024-05-01 11:00:00", "2024-05-01 11:00:00"),
    ("timespan", "5m", "5m"),
    ("guid", "0F8FAD5B-D9CB-469F-A165-70867728950E", "0F8FAD5B-D9CB-469F-A165-70867728950E"),
    ("dynamic", {"a": [1, 2]}, '{"a": [1, 2]}'),
]


@pytest.mark.parametrize(("kusto_type", "value", "text"), CELLS)
def test_workspace_and_testing_read_the_same_cell_to_the_same_value(
    kusto_type: str, value: Any, text: str
) -> None:
    lenient = to_kusto(value, kusto_type, lenient=True)
    assert coerce(value, kusto_type, NOW) == lenient
    assert coerce(text, kusto_type, NOW, from_text=True) == lenient
    assert to_kusto(text, kusto_type, lenient=True) == lenient
    assert type(to_kusto(value, kusto_type)) is type(lenient)


@pytest.mark.parametrize(
    ("kusto_type", "value", "lenient"),
    [
        ("string", 5, "5"),
        ("string", {"a": 1}, '{"a":1}'),
        ("bool", 1, True),
        ("long", "12", 12),
        ("timespan", "1.02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_the_exact_reading_refuses_what_the_lenient_one_reads(
    kusto_type: str, value: Any, lenient: Any
) -> None:
    assert to_kusto(value, kusto_type, lenient=True) == lenient
    with pytest.raises(CellTypeError):
        to_kusto(value, kusto_type)


def test_a_number_in_a_timespan_column_is_ticks_only_in_the_lenient_reading() -> None:
    assert to_kusto(600_000_000, "timespan", lenient=True).total_seconds() == 60
    with pytest.raises(CellTypeError, match="timespan"):
        to_kusto(600_000_000, "timespan")


def test_relative_times_are_the_testing_layer_not_the_shared_conversion() -> None:
    assert coerce("-2h", "datetime", NOW) == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(CellTypeError, match="ISO 8601"):
        to_kusto("-2h", "datetime")


def test_a_missing_string_is_empty_when_lenient_and_none_when_exact() -> None:
    assert to_kusto(None, "string", lenient=True) == ""
    assert to_kusto(None, "string") is None
