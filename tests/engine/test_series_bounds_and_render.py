"""make-series without from/to (bounds from each series' data), its `in range()` form, and render."""

from __future__ import annotations

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql

DATA = (
    "datatable(t: datetime, v: long, k: string)["
    "datetime(2024-01-01 01:00), 1, 'a', datetime(2024-01-03 05:00), 5, 'a', "
    "datetime(2024-01-02 09:00), 7, 'b']"
)


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def day(d: int) -> str:
    return f"2024-01-{d:02d}T00:00:00.0000000Z"


def test_without_from_and_to_each_series_spans_its_own_bins(engine: LocalEngine) -> None:
    result = engine.query(f"{DATA} | make-series s = sum(v) default = -1 on t step 1d by k | order by k asc")
    assert result.rows == [
        ["a", [1, -1, 5], [day(1), day(2), day(3)]],
        ["b", [7], [day(2)]],
    ]


def test_bins_without_from_lie_on_the_bin_grid(engine: LocalEngine) -> None:
    # 0001-01-01 and 2024-01-01 are Mondays: bin(2024-01-03, 7d) is 2024-01-01.
    result = engine.query(f"{DATA} | make-series s = sum(v) on t step 7d")
    assert result.rows == [[[13], [day(1)]]]


def test_from_without_to_ends_after_the_last_bin_with_data(engine: LocalEngine) -> None:
    result = engine.query(f"{DATA} | make-series s = sum(v) on t from datetime(2023-12-31) step 1d")
    assert result.rows == [[[0, 1, 7, 5], ["2023-12-31T00:00:00.0000000Z", day(1), day(2), day(3)]]]


def test_to_without_from_starts_at_the_first_bin_with_data(engine: LocalEngine) -> None:
    result = engine.query(f"{DATA} | make-series s = sum(v) on t to datetime(2024-01-05) step 1d")
    assert result.rows == [[[1, 7, 5, 0], [day(1), day(2), day(3), day(4)]]]


def test_in_range_includes_its_stop_and_bins_on_the_grid(engine: LocalEngine) -> None:
    bounds = "range(datetime(2024-01-01 12:00), datetime(2024-01-03 05:00), 1d)"
    query = f"{DATA} | make-series s = sum(v) on t in {bounds}"
    # the row at 01:00 on the first day is before start; the one at 05:00 on the 3rd is the (included) stop
    assert engine.query(query).rows == [[[0, 7, 5], [day(1), day(2), day(3)]]]


def test_an_empty_input_makes_no_series(engine: LocalEngine) -> None:
    assert engine.query("datatable(t: datetime, v: long)[] | make-series s = sum(v) on t step 1d").rows == []


def test_nonempty_without_bounds_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="nonempty"):
        engine.query("datatable(t: datetime, v: long)[] | make-series kind=nonempty s = sum(v) on t step 1d")


def test_render_returns_the_table_unchanged(engine: LocalEngine) -> None:
    plain = engine.query(f"{DATA} | order by t asc")
    rendered = engine.query(f"{DATA} | order by t asc | render timechart with (title='x')")
    assert rendered.column_names == plain.column_names and rendered.rows == plain.rows


def test_render_must_be_the_last_operator(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="render followed by another operator"):
        engine.query(f"{DATA} | render table | count")


IP_DATA = (
    "let IP_Data = datatable(network: string, country: string, k: string)"
    "['5.8.0.0/19', 'Russia', 'a', '2.20.183.0/24', 'United Kingdom', 'a', '5.8.0.0/16', 'Wide', 'b'];"
)


def test_ipv4_lookup_joins_each_address_with_the_ranges_holding_it(engine: LocalEngine) -> None:
    query = (
        f"{IP_DATA} datatable(ip: string)['2.20.183.12', '5.8.1.2', '192.165.12.17']"
        " | evaluate ipv4_lookup(IP_Data, ip, network) | order by ip asc, country asc"
    )
    result = engine.query(query)
    assert result.column_names == ["ip", "network", "country", "k"]
    assert result.rows == [
        ["2.20.183.12", "2.20.183.0/24", "United Kingdom", "a"],
        ["5.8.1.2", "5.8.0.0/19", "Russia", "a"],
        ["5.8.1.2", "5.8.0.0/16", "Wide", "b"],
    ]


def test_ipv4_lookup_extra_keys_and_unmatched_rows(engine: LocalEngine) -> None:
    query = (
        f"{IP_DATA} datatable(ip: string, k: string)['5.8.1.2', 'b', '192.165.12.17', 'a']"
        " | evaluate ipv4_lookup(IP_Data, ip, network, k, return_unmatched = true) | order by ip asc"
    )
    assert engine.query(query).rows == [
        ["192.165.12.17", "a", "", ""],
        ["5.8.1.2", "b", "5.8.0.0/16", "Wide"],
    ]


def test_ipv4_lookup_of_a_masked_source_address_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="written with a prefix"):
        engine.query(
            f"{IP_DATA} datatable(ip: string)['5.8.1.0/24'] | evaluate ipv4_lookup(IP_Data, ip, network)"
        )


def test_geo_info_from_ip_address_runs_on_no_rows_and_is_refused_on_one(engine: LocalEngine) -> None:
    assert engine.query("datatable(ip: string)[] | extend g = geo_info_from_ip_address(ip)").rows == []
    with pytest.raises(UnsupportedKql, match="geolocation"):
        engine.query("print geo_info_from_ip_address('20.53.203.50')")


@pytest.mark.parametrize("plugin", ["autocluster()", "basket()"])
def test_pattern_mining_plugins_are_refused_with_the_reason(engine: LocalEngine, plugin: str) -> None:
    with pytest.raises(UnsupportedKql, match="not specified"):
        engine.query(f"datatable(a: string, b: long)['x', 1, 'y', 2] | evaluate {plugin}")


FIND_TABLES = (
    "let T1 = datatable(a: string, b: long, c: string)['x', 1, 'c1', 'y', 2, 'c2'];"
    "let T2 = datatable(a: string, d: real)['x', 1.5];"
)


def test_find_names_each_rows_table_and_nulls_the_columns_it_lacks(engine: LocalEngine) -> None:
    query = f"{FIND_TABLES} find withsource=S in (T1, T2) where a == 'x' project b, d"
    result = engine.query(query)
    assert result.column_names == ["S", "b", "d"]
    assert sorted(result.rows, key=repr) == [["T1", 1, None], ["T2", None, 1.5]]


def test_find_project_smart_over_one_table(engine: LocalEngine) -> None:
    result = engine.query(f"{FIND_TABLES} find in (T1) where b > 1 project-smart")
    assert result.column_names == ["source_", "a", "b", "c"]
    assert result.rows == [["T1", "y", 2, "c2"]]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("find in (T1, T2) where a == 'x'", "pack_"),
        ("find in (T1, T2) where b == 1 project a", "predicate"),
    ],
)
def test_find_refuses_what_it_does_not_reproduce(engine: LocalEngine, query: str, reason: str) -> None:
    with pytest.raises(UnsupportedKql, match=reason):
        engine.query(FIND_TABLES + query)


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("T | where u !in (known)", [["b"], ["A"]]),
        ("T | where u in~ (known)", [["a"], ["A"]]),
    ],
)
def test_in_a_tabular_list_of_arrays_flattens_them(
    engine: LocalEngine, query: str, rows: list[list[str]]
) -> None:
    """The Sentinel idiom `let known = ... | summarize make_set(x); ... | where x !in (known)`: the reference
    (in-operator) flattens nested arrays into one list of values."""
    lets = (
        "let T = datatable(u: string)['a', 'b', 'A']; let known = T | where u == 'a' | summarize make_set(u);"
    )
    assert sorted(engine.query(lets + query).rows) == sorted(rows)


def test_the_obsolete_replace_takes_regex_rewrite_source(engine: LocalEngine) -> None:
    """Kusto.Language declares replace(regex, rewrite, source), an obsolete alias of replace_regex() with
    its arguments in another order; the engine read them in replace_regex()'s order (a wrong answer)."""
    obsolete = 'replace("([A-Fa-f]{4,})", "x", "abcdef-zz")'
    query = f'print a = {obsolete}, b = replace_regex("abcdef-zz", "[a-f]{{4,}}", "x")'
    assert engine.query(query).rows == [["x-zz", "x-zz"]]
