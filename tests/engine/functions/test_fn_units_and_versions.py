"""convert_*() unit conversions and parse_version()."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from tests.engine.functions.harness import Unsupported, lit


@pytest.mark.parametrize(
    ("name", "value", "source", "target", "expected"),
    [
        ("convert_angle", 1.2, "Degree", "Arcminute", 72.0),
        ("convert_angle", 180.0, "Degree", "Radian", 3.141592653589793),
        ("convert_energy", 1.2, "Joule", "Calorie", 0.28680688336520077),
        ("convert_force", 1.2, "Newton", "Dyn", 120000.0),
        ("convert_length", 1.2, "Meter", "Foot", 3.93700787401575),
        ("convert_mass", 1.2, "Kilogram", "Pound", 2.64554714621853),
        ("convert_speed", 1.2, "MeterPerSecond", "CentimeterPerHour", 432000.0),
        ("convert_temperature", 1.2, "Kelvin", "DegreeCelsius", -271.95),
        ("convert_temperature", 212.0, "DegreeFahrenheit", "DegreeCelsius", 100.0),
        ("convert_volume", 1.2, "CubicMeter", "AcreFoot", 0.0009728568),
    ],
)
def test_convert_gives_the_documented_value(
    scalar: Any, name: str, value: float, source: str, target: str, expected: float
) -> None:
    assert scalar(name, value, source, target) == pytest.approx(expected, rel=1e-12)


def test_convert_of_an_unknown_unit_is_null(scalar: Any) -> None:
    assert scalar("convert_length", 1.0, "Meter", "Furlong") is None


def test_convert_of_null_is_null(scalar: Any) -> None:
    assert scalar("convert_length", lit(None, "real"), "Meter", "Foot") is None


def test_convert_refuses_a_unit_whose_factor_changed_between_unitsnet_releases(scalar: Any) -> None:
    with pytest.raises(Unsupported, match="Mile"):
        scalar("convert_length", 1.0, "Mile", "Meter")


def test_convert_refuses_a_unit_written_in_another_letter_case(scalar: Any) -> None:
    with pytest.raises(Unsupported, match="letter case"):
        scalar("convert_length", 1.0, "meter", "Foot")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.5", 5),
        ("0.0.7.0", 700_000_000),
        ("0.2", 20_000_000_000_000_000),
        ("1.2.3.4", 1_000_000_020_000_000_300_000_004),
        ("1", 10**24),
    ],
)
def test_parse_version_gives_eight_digits_a_part(scalar: Any, text: str, expected: int) -> None:
    assert scalar("parse_version", text) == expected


@pytest.mark.parametrize("text", ["", "1.2.3.4.5", "123456789", "1.a", "1..2"])
def test_parse_version_of_text_that_is_no_version_is_null(scalar: Any, text: str) -> None:
    assert scalar("parse_version", text) is None


def test_parse_versions_compare_exactly_in_their_last_part(connection: duckdb.DuckDBPyConnection) -> None:
    from kqlrules.engine.functions import SCALARS, Call
    from tests.engine.functions.harness import Context

    def parsed(text: str) -> str:
        return SCALARS["parse_version"](Context(), Call("parse_version", [lit(text)], "decimal")).text

    row = connection.execute(f"SELECT {parsed('1.2.3.4')} < {parsed('1.2.3.5')}").fetchone()
    assert row == (True,)


def test_parse_version_refuses_text_with_white_space(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="parse_version"):
        scalar("parse_version", " 1.2")
