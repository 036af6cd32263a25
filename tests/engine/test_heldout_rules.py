"""Rules stated by Kusto reference pages outside the public documentation corpus, each checked on values of
our own (not the pages' examples): what a page states is answered, what the engine cannot hold is refused."""

from __future__ import annotations

import math

import pytest

from kqlrules.engine import KqlRuntimeError, LocalEngine, UnsupportedKql


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def value(engine: LocalEngine, kql: str) -> object:
    return engine.query(kql).rows[0][-1]


# series-divide-function.md: "Division by zero follows the double division by zero (e.g. 2/0 yields
# double(+inf))". JSON cannot hold an infinity, so the engine refuses where it used to answer null.
@pytest.mark.parametrize(
    "kql",
    [
        "print series_divide(dynamic([5, 1]), dynamic([1, 0]))",
        "print series_divide(dynamic([0]), dynamic([0]))",
        "print series_log(dynamic([3, 0]))",
        "print series_exp(dynamic([2000]))",
        "print series_acos(dynamic([0.5, 3]))",
        "print series_pow(dynamic([0]), dynamic([-2]))",
        "print series_multiply(dynamic([1e308]), dynamic([1e10]))",
        "print pack_array(1.0, 7.0 / 0)",
        "print bag_pack('k', real(nan))",
        "range i from 1 to 2 step 1 | summarize make_list(1.0 / (i - 1))",
    ],
)
def test_an_infinity_or_nan_in_a_dynamic_value_is_refused_not_nulled(engine: LocalEngine, kql: str) -> None:
    with pytest.raises(UnsupportedKql, match="infinity or NaN inside a dynamic value"):
        engine.query(kql)


def test_series_divide_is_a_real_division_of_integers(engine: LocalEngine) -> None:
    assert value(engine, "print series_divide(dynamic([3, 7]), dynamic([2, 7]))") == [1.5, 1.0]


def test_a_null_real_inside_a_dynamic_value_stays_null(engine: LocalEngine) -> None:
    assert value(engine, "print pack_array(real(null), 2.5)") == [None, 2.5]


# series-pow-function.md: element-wise pow(); pow follows IEEE 754 as .NET's Math.Pow does: a negative base
# to a fractional power is NaN, which a series cannot hold (refused), an odd negative power keeps the sign.
def test_series_pow_of_a_negative_base_keeps_the_sign_of_odd_integer_powers(engine: LocalEngine) -> None:
    assert value(engine, "print series_pow(dynamic([-2, 3]), dynamic([3, 2]))") == [-8.0, 9.0]


def test_series_pow_of_a_negative_base_to_a_fraction_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="infinity or NaN"):
        engine.query("print series_pow(dynamic([-27]), dynamic([0.5]))")


def test_scalar_pow_gives_ieee_special_values(engine: LocalEngine) -> None:
    row = engine.query("print pow(0, -3), pow(-27, 0.5)").rows[0]
    assert row[0] == math.inf and math.isnan(row[1])


# isutf8.md: "true if the argument is a valid utf8 string"; every string the engine holds is valid UTF-8.
def test_isutf8_is_true_for_any_string_the_engine_holds(engine: LocalEngine) -> None:
    assert engine.query("print isutf8('plain'), isutf8(''), isutf8('añb €')").rows == [[True, True, True]]


# where-operator.md: `where * has "cow"` keeps "the rows in which the word appears in any column".
ROWS = (
    'datatable(n:long, s:string, d:dynamic)[1, "a cow", dynamic(null), 2, "b", dynamic({"k": "cow"}),'
    ' 3, "Cowboy", dynamic(null)]'
)


def test_star_has_keeps_rows_where_any_column_holds_the_term(engine: LocalEngine) -> None:
    rows = engine.query(f"{ROWS} | where * has 'cow' | project n").rows
    assert sorted(r[0] for r in rows) == [1, 2]


def test_star_contains_matches_inside_words_of_any_column(engine: LocalEngine) -> None:
    rows = engine.query(f"{ROWS} | where * contains 'cow' | project n").rows
    assert sorted(r[0] for r in rows) == [1, 2, 3]


def test_star_matches_columns_of_other_types_as_their_text(engine: LocalEngine) -> None:
    assert engine.query(f"{ROWS} | where * has '3' | project n").rows == [[3]]


def test_star_with_a_negated_operator_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="every column"):
        engine.query(f"{ROWS} | where * !has 'cow'")


# scalar-data-types/datetime.md: datetimes end at 9999-12-31; an instant past it (and one past 2262, where the
# engine's TIMESTAMP_NS ends) is refused, not a crash.
@pytest.mark.parametrize(
    "kql",
    [
        "print datetime(9999-12-31) + 2d",
        "print datetime_add('year', 9000, datetime(2020-01-01))",
        "print tostring(datetime(9999-12-31) + 2d)",
        "print pack_array(datetime(9999-12-31) + 2d)",
        "print format_datetime(datetime(9999-12-31) + 2d, 'yyyy')",
    ],
)
def test_a_datetime_past_the_year_9999_is_refused(engine: LocalEngine, kql: str) -> None:
    with pytest.raises(UnsupportedKql, match="a datetime outside"):
        engine.query(kql)


# re2.md: Kusto's regular expressions are RE2; a pattern RE2 cannot compile fails the query with a message
# naming the regular expression, never DuckDB's text or an internal failure.
@pytest.mark.parametrize(
    "kql",
    [
        'print extract("(x", 0, "a")',
        'print replace_regex("a", "[b", "c")',
        'print "a" matches regex "a{3,1}"',
    ],
)
def test_an_invalid_regular_expression_fails_with_a_clear_message(engine: LocalEngine, kql: str) -> None:
    with pytest.raises(KqlRuntimeError, match="regular expression is not valid"):
        engine.query(kql)


# take-any-aggregation-function.md: given one value, take_any() "will attempt to return a non-null/non-empty
# value, if such value is present".
def test_take_any_prefers_a_non_empty_string(engine: LocalEngine) -> None:
    query = (
        'datatable(g:string, s:string)["a", "", "a", "kept", "a", "", "b", ""] | summarize take_any(s) by g'
    )
    assert sorted(engine.query(query).rows) == [["a", "kept"], ["b", ""]]


def test_take_any_prefers_a_dynamic_value_that_is_not_null(engine: LocalEngine) -> None:
    query = 'datatable(d:dynamic)[dynamic(null), dynamic({"k": 1}), dynamic(null)] | summarize take_any(d)'
    assert engine.query(query).rows == [[{"k": 1}]]


# make-bag-aggregation-function.md: maxSize is "the limit on the maximum number of elements returned".
def test_make_bag_within_its_size_limit_returns_every_key(engine: LocalEngine) -> None:
    query = "range x from 1 to 3 step 1 | summarize make_bag(bag_pack(tostring(x), x), 3)"
    assert engine.query(query).rows == [[{"1": 1, "2": 2, "3": 3}]]


@pytest.mark.parametrize(
    "aggregate",
    ["make_bag(bag_pack(tostring(x), x), 2)", "make_bag_if(bag_pack(tostring(x), x), x > 0, 1)"],
)
def test_make_bag_over_its_size_limit_is_refused_not_returned_whole(
    engine: LocalEngine, aggregate: str
) -> None:
    with pytest.raises(UnsupportedKql, match="more keys than its size limit"):
        engine.query(f"range x from 1 to 3 step 1 | summarize {aggregate}")


# sort-operator.md, "Using special floating-point values": NaN goes with the nulls, between them and the
# numbers, in both directions; nulls first for asc and last for desc unless stated.
SPECIALS = "datatable(x:real)[2.5, real(nan), real(-inf), real(null), -1, real(+inf)]"


def _order(engine: LocalEngine, query: str) -> list[str]:
    return [
        "null" if r[0] is None else "nan" if math.isnan(r[0]) else str(r[0]) for r in engine.query(query).rows
    ]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("asc", ["null", "nan", "-inf", "-1.0", "2.5", "inf"]),
        ("desc", ["inf", "2.5", "-1.0", "-inf", "nan", "null"]),
        ("asc nulls last", ["-inf", "-1.0", "2.5", "inf", "nan", "null"]),
        ("desc nulls first", ["null", "nan", "inf", "2.5", "-1.0", "-inf"]),
    ],
)
def test_sort_puts_nan_with_the_nulls(engine: LocalEngine, ordering: str, expected: list[str]) -> None:
    assert _order(engine, f"{SPECIALS} | sort by x {ordering}") == expected


def test_top_puts_nan_with_the_nulls(engine: LocalEngine) -> None:
    assert _order(engine, f"{SPECIALS} | top 2 by x") == ["inf", "2.5"]


# arg-max-aggregation-function.md (null handling): a group whose measured values are all null still gives
# one of its rows, with the measured value null.
def test_arg_max_of_a_group_of_nulls_gives_one_of_its_rows(engine: LocalEngine) -> None:
    rows = 'datatable(g:string, v:long, c:string)["a", long(null), "p", "b", 3, "q"]'
    query = f"{rows} | summarize arg_max(v, c) by g"
    assert sorted(engine.query(query).rows) == [["a", None, "p"], ["b", 3, "q"]]


def test_arg_min_skips_null_values_when_a_value_is_present(engine: LocalEngine) -> None:
    query = 'datatable(v:long, c:string)[long(null), "p", 4, "q", long(null), "r"] | summarize arg_min(v, c)'
    assert engine.query(query).rows == [[4, "q"]]


# take-anyif-aggregation-function.md: among the rows whose predicate is true it "attempts to return a
# non-null/non-empty value"; a row whose predicate is false is never the answer.
def test_take_anyif_prefers_a_non_empty_value_among_the_rows_it_may_take(engine: LocalEngine) -> None:
    rows = 'datatable(s:string, n:long)["", 1, "b", 2, "c", 0]'
    query = f"{rows} | summarize take_anyif(s, n > 0), take_anyif(s, n > 9)"
    assert engine.query(query).rows == [["b", ""]]


# toupper(): Unicode's simple case mapping (UnicodeData.txt) gives 'ß' no upper case, so it stays, where
# DuckDB alone would give 'ẞ'.
def test_toupper_keeps_sharp_s_and_upper_cases_around_it(engine: LocalEngine) -> None:
    assert engine.query("print toupper('straße'), toupper('ßa'), toupper('abc')").rows == [
        ["STRAßE", "ßA", "ABC"]
    ]
