"""String functions behave as the Kusto reference documents them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.functions.harness import KustoError, Unsupported, lit


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("strcat", ["a", "b", "c"], "abc"),
        ("strcat", ["n=", 1], "n=1"),
        ("strcat", ["x", lit(None, "long")], "x"),
        ("strcat_delim", ["-", "a", 1, True], "a-1-true"),
        ("strlen", ["hello"], 5),
        ("strlen", ["ünï"], 3),
        ("substring", ["123456", 1, 3], "234"),
        ("substring", ["123456", 2], "3456"),
        ("substring", ["123456", -2, 1], "5"),
        ("substring", ["abc", 5], ""),
        ("tolower", ["AbC"], "abc"),
        ("toupper", ["AbC"], "ABC"),
        ("reverse", ["abc"], "cba"),
        ("reverse", [123], "321"),
        ("strrep", ["ab", 3], "ababab"),
        ("strrep", ["ab", 3, ","], "ab,ab,ab"),
        ("strcmp", ["abc", "abd"], -1),
        ("strcmp", ["b", "a"], 1),
        ("trim", ["--", "--abc--"], "abc"),
        ("trim", [r"\s", "  x  "], "x"),
        ("trim_start", ["-", "--a-"], "a-"),
        ("trim_end", ["-", "-a--"], "-a"),
        ("split", ["a,b,c", ","], ["a", "b", "c"]),
        ("split", ["a,b,c", ",", 1], ["b"]),
        ("split", ["a,b,c", ",", 5], []),
        ("replace_string", ["a.b.c", ".", "-"], "a-b-c"),
        ("replace_regex", ["aXbXc", "X", "-"], "a-b-c"),
        ("replace_regex", ["abc", "(b)", r"[\1]"], "a[b]c"),
        ("indexof", ["abcdefg", "cde"], 2),
        ("indexof", ["abcdefg", "cde", 1, 4], 2),
        ("indexof", ["abcdefg", "cde", 1, 2], -1),
        ("indexof", ["abcdefgabcdefg", "cde", 1, -1, 2], 9),
        ("indexof", ["abcdefg", "z"], -1),
        ("indexof", ["abcdefg", "cde", -5], 2),
        ("indexof", ["abcdefg", "cde", 3, 4], -1),
        ("indexof", [1234567, 5, 1, 4], 4),
        ("indexof", ["abcdefgabcdefg", "cde", 1, 10, 2], 9),
        ("indexof", ["abcdefgabcdefg", "cde", 1, -1, 3], -1),
        ("indexof", ["abcdefg", "a", 0, -2], None),
        ("indexof_regex", ["abcabcdefg", "a.c", 0, 9, 2], 3),
        ("indexof_regex", ["ababaa", "a.a", 0, -1, 2], -1),
        ("indexof_regex", ["abcabc", "a|ab", -1], None),
        ("countof", ["aaaa", "aa"], 3),
        ("countof", ["ababa", "aba", "regex"], 1),
        ("countof", ["abcabc", "a.c", "regex"], 2),
        ("isascii", ["some string"], True),
        ("isascii", ["ünï"], False),
        ("strcat_array", [["A", 1, None], "-"], "A-1-"),
    ],
)
def test_string_function(scalar: Any, name: str, args: list[Any], expected: Any) -> None:
    assert scalar(name, *args) == expected


@pytest.mark.parametrize("multiplier", [0, -1, 1025])
def test_strrep_outside_the_documented_multipliers_is_refused(scalar: Any, multiplier: int) -> None:
    # strrep-function.md: "a value from 1 to 67108864", yet repeated "1024 times" above 1024.
    with pytest.raises(Unsupported):
        scalar("strrep", "ab", multiplier)


def test_extract_returns_the_capture_group(scalar: Any) -> None:
    assert scalar("extract", "User: ([^,]+)", 1, "User: James, Age: 29") == "James"


def test_extract_without_a_match_is_empty(scalar: Any) -> None:
    assert scalar("extract", r"Email: (\S+),", 1, "User: David, Age: 35") == ""


def test_extract_converts_to_the_requested_type(scalar: Any) -> None:
    assert scalar("extract", r"-(\d{2})-", 1, "15-12-2024", result_type="int") == 12


def test_extract_to_a_type_without_a_match_is_null(scalar: Any) -> None:
    assert scalar("extract", r"-(\d{2})-", 1, "nothing", result_type="long") is None


def test_extract_of_a_missing_group_is_an_error(scalar: Any) -> None:
    with pytest.raises(KustoError):
        scalar("extract", "(a)", 2, "a")


def test_extract_with_a_computed_regex_is_unsupported(scalar: Any) -> None:
    with pytest.raises(Unsupported):
        scalar("extract", lit("x").__class__("'a' || 'b'", "string"), 0, "ab")


def test_extract_all_with_one_group_lists_the_matches(scalar: Any) -> None:
    assert scalar("extract_all", r"([\da-f]{2})", "82b8-be") == ["82", "b8", "be"]


def test_extract_all_with_several_groups_lists_tuples(scalar: Any) -> None:
    expected = [["8", "2b8be2", "d"], ["d", "fa", "7"]]
    assert scalar("extract_all", r"(\w)(\w+)(\w)", "82b8be2d-dfa7") == expected


def test_extract_all_picks_the_named_and_numbered_groups(scalar: Any) -> None:
    pattern = r"(?P<first>\w)(?P<middle>\w+)(?P<last>\w)"
    assert scalar("extract_all", pattern, ["first", 3], "82b8be2d-dfa7") == [["8", "d"], ["d", "7"]]


def test_extract_all_without_a_match_is_null(scalar: Any) -> None:
    assert scalar("extract_all", "(x)", "abc") is None


def test_extract_reaches_capture_groups_past_nine(scalar: Any) -> None:
    pattern = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)"
    assert scalar("extract", pattern, 11, "abcdefghijk") == "k"


def test_extract_all_reaches_capture_groups_past_nine(scalar: Any) -> None:
    pattern = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)"
    assert scalar("extract_all", pattern, "abcdefghij") == [list("abcdefghij")]


def test_substring_past_the_end_is_empty(scalar: Any) -> None:
    assert scalar("substring", "abc", 36_000_000_000, 5) == ""


def test_substring_with_a_huge_length_takes_the_rest(scalar: Any) -> None:
    assert scalar("substring", "abc", 1, 36_000_000_000) == "bc"


def test_extract_all_with_one_chosen_group_is_flat(scalar: Any) -> None:
    assert scalar("extract_all", r"(\w)(\w+)(\w)", [3], "82b8be2d-dfa7") == ["d", "7"]
