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
