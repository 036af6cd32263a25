"""series_* functions and the smaller text helpers (translate, regex_quote, tohex, format_bytes)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.functions.harness import lit


def dyn(value: Any) -> Any:
    return lit(value, "dynamic")


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("series_add", [dyn([1, 2, 4]), dyn([4, 2, 1])], [5, 4, 5]),
        ("series_subtract", [dyn([1, 2, 4]), dyn([4, 2, 1])], [-3, 0, 3]),
        ("series_multiply", [dyn([1, 2]), dyn(3)], [3, 6]),
        ("series_divide", [dyn([1, 3]), dyn([2, 4])], [0.5, 0.75]),
        ("series_less", [dyn([1, 2, 4]), dyn([4, 2, 1])], [True, False, False]),
        ("series_add", [dyn([1, "x"]), dyn([1, 1])], [2, None]),
        ("series_exp", [dyn([0])], [1.0]),
        ("series_log", [dyn([1])], [0.0]),
        ("series_sign", [dyn([-6, 0, 8])], [-1, 0, 1]),
        ("series_sum", [dyn([1, 2, 3, 4])], 10.0),
        ("series_product", [dyn([1, 2, 3, 4])], 24.0),
        ("series_dot_product", [dyn([1, 2, 4]), dyn(2)], 14.0),
        ("series_fill_backward", [dyn([111, None, 36, None])], [111, 36, 36, None]),
        ("series_fill_forward", [dyn([None, 1, None, 3])], [None, 1, 1, 3]),
        ("series_fill_const", [dyn([1, None, 3]), 0], [1, 0, 3]),
        ("translate", ["abc", "x", "abcd"], "xxxd"),
        ("translate", ["ab", "", "abcab"], "c"),
        ("regex_quote", ["(so$me.Te^xt)"], r"\(so\$me\.Te\^xt\)"),
        ("tohex", [256], "100"),
        ("tohex", [-546], "fffffffffffffdde"),
        ("tohex", [10, 4], "000a"),
        ("format_bytes", [564], "564 Bytes"),
        ("format_bytes", [10332, 1], "10.1 KB"),
        ("format_bytes", [20010332, 2], "19.08 MB"),
        ("format_bytes", [20010332, 0, "KB"], "19541 KB"),
        ("unicode_codepoints_from_string", ["Kus"], [75, 117, 115]),
        ("unicode_codepoints_to_string", [dyn([75, 117]), 115], "Kus"),
        ("hll_merge", [dyn([1, 2]), dyn([2, 3])], [1, 2, 3]),
    ],
)
def test_function(scalar: Any, name: str, args: list[Any], expected: Any) -> None:
    assert scalar(name, *args) == expected


def test_series_stats_dynamic_summarises_an_array(scalar: Any) -> None:
    stats = scalar("series_stats_dynamic", dyn([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]))
    assert stats["min"] == 2.0 and stats["min_idx"] == 8 and stats["max_idx"] == 3
    assert stats["avg"] == pytest.approx(32.8)
    assert stats["variance"] == pytest.approx(812.457142857143)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["A magic trick can turn a cat into a dog", dyn(["cat", "dog"]), dyn(["dog", "pigeon"])],
         "A magic trick can turn a dog into a pigeon"),
        (["This is an example", dyn(["This", "is"]), dyn([12345, "was"])], "This was an example"),
    ],
)  # fmt: skip
def test_replace_strings_replaces_in_one_pass(scalar: Any, args: list[Any], expected: str) -> None:
    assert scalar("replace_strings", *args) == expected


def test_around_includes_its_bounds(scalar: Any) -> None:
    from datetime import datetime, timedelta

    center = datetime(2021, 1, 1, 1, 30)
    assert scalar("around", datetime(2021, 1, 1, 1, 31), center, timedelta(minutes=1)) is True
    assert scalar("around", datetime(2021, 1, 1, 1, 32), center, timedelta(minutes=1)) is False


ZLIB = "eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw=="


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("zlib_compress_to_base64_string", ["1234567890qwertyuiop"], ZLIB),
        ("zlib_decompress_from_base64_string", [ZLIB], "1234567890qwertyuiop"),
        ("zlib_decompress_from_base64_string", ["x0x0x0"], ""),
        ("punycode_from_string", ["académie-française"], "acadmie-franaise-npb1a"),
        ("punycode_to_string", ["acadmie-franaise-npb1a"], "académie-française"),
        ("parse_csv", ['aa,"b,b,b",cc,"Escaping quotes: ""Title""","line1\nline2"'],
         ["aa", "b,b,b", "cc", 'Escaping quotes: "Title"', "line1\nline2"]),
    ],
)  # fmt: skip
def test_encoding_function(scalar: Any, name: str, args: list[Any], expected: Any) -> None:
    assert scalar(name, *args) == expected
