"""Punycode, the new IP helpers, series_iir() and series_seasonal()."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest

from tests.engine.functions.harness import Unsupported, lit


def dyn(value: Any) -> Any:
    return lit(value, "dynamic")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("punycode_from_string", "académie-française", "acadmie-franaise-npb1a"),
        ("punycode_to_string", "acadmie-franaise-npb1a", "académie-française"),
        ("punycode_to_string", "acadmie-franaise-npb1a\u00e9", ""),
        (
            "punycode_domain_to_string",
            "Lê Lợi。Thuận Thiên。com",
            "xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com",
        ),
        ("punycode_domain_to_string", "Kaledvoulc'h.Artorījos.edu", "Kaledvoulc'h.xn--Artorjos-ejb.edu"),
        ("punycode_domain_from_string", "xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com", "Rúyì.Jīngū.Bàng.com"),
        ("punycode_domain_from_string", "xn--Ge-mia.Bulg.edu", "Gáe.Bulg.edu"),
    ],
)
def test_punycode(scalar: Any, name: str, text: str, expected: str) -> None:
    assert scalar(name, text) == expected


def test_punycode_decoding_to_control_characters_stops_the_query(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="control characters"):
        scalar("punycode_to_string", "abc")


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("ipv4_netmask_suffix", ["192.168.1.1/24"], 24),
        ("ipv4_netmask_suffix", ["10.1.2.3"], 32),
        ("ipv4_netmask_suffix", ["10.1.2"], None),
        (
            "ipv4_range_to_cidr_list",
            ["1.1.128.0", "1.1.140.255"],
            ["1.1.128.0/21", "1.1.136.0/22", "1.1.140.0/24"],
        ),
        (
            "ipv6_is_in_range",
            ["a5e:f127:8a9d:146d:e102:b5d3:c755:f6cd", "a5e:f127:8a9d:146d:e102:b5d3:c755:0/112"],
            True,
        ),
        (
            "ipv6_is_in_range",
            ["a5e:f127:8a9d:146d:e102:b5d3:c756:f6cd", "a5e:f127:8a9d:146d:e102:b5d3:c755:0/112"],
            False,
        ),
        ("ipv6_is_in_range", ["not an address", "::/0"], None),
        ("ipv6_is_in_any_range", ["a5e::1", dyn(["b::/16", "a5e::/16"])], True),
        ("ipv6_is_in_any_range", ["a5e::1", "b::/16", "c::/16"], False),
    ],
)
def test_ip_helpers(scalar: Any, name: str, args: list[Any], expected: Any) -> None:
    assert scalar(name, *args) == expected


def test_ipv4_range_to_cidr_list_refuses_a_reversed_range(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="reversed range"):
        scalar("ipv4_range_to_cidr_list", "1.1.1.2", "1.1.1.1")


def test_series_iir_with_denominators_1_minus_1_is_the_running_sum(scalar: Any) -> None:
    assert scalar("series_iir", dyn([1, 2, 3, 4]), dyn([1]), dyn([1, -1])) == [1.0, 3.0, 6.0, 10.0]


def test_series_iir_divides_by_the_first_denominator(scalar: Any) -> None:
    assert scalar("series_iir", dyn([2, 4]), dyn([1, 1]), dyn([2])) == [1.0, 3.0]


def test_series_iir_refuses_an_element_that_is_not_a_number(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="not a number"):
        scalar("series_iir", dyn([1, "x"]), dyn([1]), dyn([1]))


def test_series_seasonal_is_the_median_of_each_position(scalar: Any) -> None:
    assert scalar("series_seasonal", dyn([1, 3, 5, 1, 3, 5, 2, 4, 6]), 3) == [1, 3, 5, 1, 3, 5, 1, 3, 5]


def test_series_seasonal_refuses_to_detect_the_period(scalar: Any) -> None:
    with pytest.raises(Unsupported):
        scalar("series_seasonal", dyn([1, 2, 1, 2]))


def test_series_seasonal_refuses_an_even_median_between_two_values(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="median"):
        scalar("series_seasonal", dyn([1, 2, 3, 4]), 2)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("beta_cdf", [0.9, 10.0, 20.0], 0.999999999999959),
        ("beta_pdf", [0.5, 10.0, 20.0], 0.746176019310951),
        ("beta_inv", [0.1, 10.0, 20.0], 0.226415022388749),
        ("erf", [1.0], 0.8427007929497149),
        ("erfc", [1.0], 0.15729920705028513),
    ],
)
def test_distribution_gives_the_documented_value(
    scalar: Any, name: str, args: list[Any], expected: float
) -> None:
    assert scalar(name, *args) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "args"),
    [("beta_cdf", [1.5, 10.0, 20.0]), ("beta_cdf", [0.1, -1.0, 20.0]), ("beta_pdf", [1.0, 10.0, 20.0])],
)
def test_distribution_outside_its_domain_is_nan(scalar: Any, name: str, args: list[Any]) -> None:
    assert math.isnan(scalar(name, *args))


def test_beta_inv_refuses_arguments_its_page_contradicts_itself_on(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="contradicts"):
        scalar("beta_inv", 1.5, 10.0, 20.0)
