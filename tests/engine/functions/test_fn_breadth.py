"""has_any_index, series_fill_linear/magnitude/pearson, the new aggregates, bag_pack_columns and bin_auto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql
from tests.engine.functions.harness import lit


def dyn(value: Any) -> Any:
    return lit(value, "dynamic")


@pytest.fixture(scope="module")
def engine() -> Any:
    local = LocalEngine()
    yield local
    close = getattr(local, "close", None)
    if close is not None:
        close()


@pytest.mark.parametrize(
    ("values", "expected"),
    [(["this", "example"], 0), (["not", "example"], 1), (["not", "found"], -1), ([1, 2], 1), ([], -1)],
)
def test_has_any_index_is_the_position_of_the_first_item_found(
    scalar: Any, values: list[Any], expected: int
) -> None:
    text = "Example number 2" if values == [1, 2] else "this is an example"
    assert scalar("has_any_index", text, dyn(values)) == expected


def test_series_fill_linear_interpolates_and_fills_the_edges(scalar: Any) -> None:
    filled = scalar("series_fill_linear", dyn([None, 111.0, None, 36.0, None]))
    assert filled == [111.0, 111.0, 73.5, 36.0, 36.0]


def test_series_fill_linear_truncates_the_interpolations_of_integers(scalar: Any) -> None:
    assert scalar("series_fill_linear", dyn([111, None, 36])) == [111, 73, 36]


def test_series_fill_linear_keeps_the_edges_when_asked(scalar: Any) -> None:
    filled = scalar("series_fill_linear", dyn([None, 1.0, None, 3.0, None]), lit(None, "real"), False)
    assert filled == [None, 1.0, 2.0, 3.0, None]


def test_series_fill_linear_fills_an_array_of_nulls_with_the_constant(scalar: Any) -> None:
    filled = scalar("series_fill_linear", dyn([None, None]), lit(None, "real"), True, 3.5)
    assert filled == [3.5, 3.5]


def test_series_magnitude_is_the_root_of_the_sum_of_squares(scalar: Any) -> None:
    assert scalar("series_magnitude", dyn([1, 2, 3, 4])) == pytest.approx(5.477225575051661)


def test_series_pearson_correlation_of_proportional_series_is_1(scalar: Any) -> None:
    assert scalar("series_pearson_correlation", dyn([1, 2, 3, 4, 5]), dyn([2, 4, 6, 8, 10])) == 1.0


def test_series_pearson_correlation_of_different_lengths_is_null(scalar: Any) -> None:
    assert scalar("series_pearson_correlation", dyn([1, 2, 3]), dyn([1, 2])) is None


def test_series_pearson_correlation_refuses_a_constant_series(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="variance"):
        scalar("series_pearson_correlation", dyn([1, 1, 1]), dyn([1, 2, 3]))


def test_buildschema_gives_the_documented_schema(engine: Any) -> None:
    result = engine.query(
        """datatable(value: dynamic) [
            dynamic({"x":1, "y":3.5}),
            dynamic({"x":"somevalue", "z":[1, 2, 3]}),
            dynamic({"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]})
        ] | summarize buildschema(value)"""
    )
    assert result.rows[0][0] == {
        "x": ["long", "string"],
        "y": ["double", {"w": "string"}],
        "z": {"`indexer`": ["long", "string"]},
        "t": {"`indexer`": "string"},
    }


def test_percentiles_array_lists_one_value_per_percentile(engine: Any) -> None:
    result = engine.query(
        "range x from 1 to 10 step 1"
        " | summarize a = percentiles_array(x, 10, 90), b = percentiles_array(x, dynamic([50]))"
    )
    assert result.rows == [[[1, 9], [5]]]


def test_binary_all_aggregates_combine_the_bits(engine: Any) -> None:
    result = engine.query(
        "datatable(x: long) [3, 5, 6] | summarize binary_all_and(x), binary_all_or(x), binary_all_xor(x)"
    )
    assert result.rows == [[0, 7, 0]]


def test_bag_pack_columns_names_each_value_by_its_column(engine: Any) -> None:
    result = engine.query('datatable(Id: string, Value: long) ["A", 1] | project bag_pack_columns(Id, Value)')
    assert result.rows == [[{"Id": "A", "Value": 1}]]


def test_bin_auto_reads_the_size_and_fixed_point_the_query_sets(engine: Any) -> None:
    result = engine.query(
        """set query_bin_auto_size=1h;
        set query_bin_auto_at=datetime(2017-01-01 00:05);
        range Timestamp from datetime(2017-01-01 00:05) to datetime(2017-01-01 02:00) step 1m
        | summarize count() by bin_auto(Timestamp)"""
    )
    # summarize's output order is not defined (summarize-operator.md): compared in order of the bins.
    assert sorted(result.rows) == [
        [datetime(2017, 1, 1, 0, 5, tzinfo=UTC), 60],
        [datetime(2017, 1, 1, 1, 5, tzinfo=UTC), 56],
    ]


def test_bin_auto_without_a_size_is_refused(engine: Any) -> None:
    with pytest.raises(UnsupportedKql, match="query_bin_auto_size"):
        engine.query("range x from 1 to 3 step 1 | summarize count() by bin_auto(x)")


def test_bag_set_key_sets_a_root_key(scalar: Any) -> None:
    assert scalar("bag_set_key", dyn({"key1": 1, "key3": "abc"}), "key3", 3) == {"key1": 1, "key3": 3}


def test_bag_set_key_creates_the_levels_of_a_json_path(scalar: Any) -> None:
    result = scalar("bag_set_key", dyn({"key1": 123}), "$.key2.prop1", "abc")
    assert result == {"key1": 123, "key2": {"prop1": "abc"}}


def test_bag_set_key_of_a_value_that_is_no_bag_is_null(scalar: Any) -> None:
    assert scalar("bag_set_key", dyn([1]), "a", 1) is None


def test_bag_set_key_refuses_array_indexing(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="not a documented path"):
        scalar("bag_set_key", dyn({"a": [1]}), "$.a[0]", 2)


def test_assert_of_a_true_condition_is_true(engine: Any) -> None:
    assert engine.query('range x from 1 to 2 step 1 | project ok = assert(x > 0, "positive")').rows == [
        [True],
        [True],
    ]


def test_assert_of_a_false_condition_fails_with_kusto_message(engine: Any) -> None:
    with pytest.raises(Exception, match="assert\\(\\) has failed with message: 'positive'"):
        engine.query('range x from 0 to 2 step 1 | where assert(x > 0, "positive")')


def test_gzip_round_trip_gives_the_documented_text(scalar: Any) -> None:
    encoded = scalar("gzip_compress_to_base64_string", "1234567890qwertyuiop")
    assert encoded == "H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA=="
    assert scalar("gzip_decompress_from_base64_string", encoded) == "1234567890qwertyuiop"


def test_gzip_decompress_of_text_that_is_no_gzip_is_empty(scalar: Any) -> None:
    assert scalar("gzip_decompress_from_base64_string", "x0x0x0") == ""


def test_clock_timespan_literals_keep_their_value(engine: Any) -> None:
    result = engine.query("print a = time(29.09:00:05.12345), b = timespan(1.02:03:04), c = time(10:30)")
    assert result.rows == [
        [
            timedelta(days=29, hours=9, seconds=5, microseconds=123450),
            timedelta(days=1, hours=2, minutes=3, seconds=4),
            timedelta(hours=10, minutes=30),
        ]
    ]


def test_format_timespan_of_a_clock_literal(engine: Any) -> None:
    result = engine.query("print v = format_timespan(time(29.09:00:05.12345), 'ddd.h:mm:ss [fffffff]')")
    assert result.rows == [["029.9:00:05 [1234500]"]]


def test_datetime_local_to_utc_of_a_skipped_local_time_takes_the_later_offset(engine: Any) -> None:
    result = engine.query("print datetime_local_to_utc(datetime(2022-03-27 02:00), 'Europe/Brussels')")
    assert result.rows == [[datetime(2022, 3, 27, 0, 0, tzinfo=UTC)]]


def test_datetime_local_to_utc_refuses_a_local_time_shown_twice(engine: Any) -> None:
    with pytest.raises(Exception, match="occurs twice"):
        engine.query("print datetime_local_to_utc(datetime(2022-10-30 02:30), 'Europe/Brussels')")


def test_tohex_of_a_negative_int_is_32_bits_wide(engine: Any) -> None:
    assert engine.query("print tohex(toint(-256), 8), tohex(-256)").rows == [["ffffff00", "ffffffffffffff00"]]


def test_dynamic_literal_nested_in_a_dynamic_literal(engine: Any) -> None:
    assert engine.query("print dynamic({'a': dynamic({'b': 1})})").rows == [[{"a": {"b": 1}}]]


def test_bitset_count_ones_counts_the_set_bits(engine: Any) -> None:
    assert engine.query("print bitset_count_ones(42)").rows == [[3]]


@pytest.mark.parametrize(
    ("bag", "expected"),
    [
        ({"a": "b", "c": 123}, ["['a']", "['c']"]),
        ({"prop1": [1, 2, 3, 4], "prop2": "value2"}, ["['prop1']", "['prop1'][0]", "['prop2']"]),
        ({"l": [100, "abcde", {"x": "y"}]}, ["['l']", "['l'][0]", "['l'][0]['x']"]),
    ],
)
def test_treepath_lists_the_paths_of_a_bag(scalar: Any, bag: Any, expected: list[str]) -> None:
    assert scalar("treepath", dyn(bag)) == expected


def test_url_encode_component_encodes_spaces_as_percent_20(scalar: Any) -> None:
    assert scalar("url_encode_component", "https://www.bing.com/hello world") == (
        "https%3a%2f%2fwww.bing.com%2fhello%20world"
    )


def test_base64_decode_toguid_of_text_that_is_no_guid_is_null(scalar: Any) -> None:
    assert scalar("base64_decode_toguid", "abcd1231") is None


def test_base64_decode_toguid_refuses_the_byte_order_its_examples_disagree_on(scalar: Any) -> None:
    with pytest.raises(duckdb.Error, match="byte order"):
        scalar("base64_decode_toguid", "JpbpECu8dUy7Pv5gbeJXAA==")


def test_a_timespan_literal_of_a_bare_number_counts_days(engine: Any) -> None:
    assert engine.query("print time(2)").rows == [[timedelta(days=2)]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-02-2022", datetime(2022, 12, 2)),
        ("2014-11-08 15:05:25 GMT", datetime(2014, 11, 8, 15, 5, 25)),
        ("2014-11-08T15:05 GMT", datetime(2014, 11, 8, 15, 5)),
    ],
)
def test_todatetime_reads_the_documented_formats(scalar: Any, text: str, expected: datetime) -> None:
    assert scalar("todatetime", text) == expected


def test_gettype_names_the_documented_runtime_types(engine: Any) -> None:
    result = engine.query(
        "print gettype('a'), gettype(111), gettype(1s), gettype(parse_json('1')),"
        " gettype(parse_json('{\"a\":1}')), gettype(parse_json('[1]')), gettype(123.45),"
        " gettype(parse_json(''))"
    )
    assert result.rows == [["string", "long", "timespan", "int", "dictionary", "array", "real", "null"]]


def test_gettype_refuses_a_dynamic_string_that_may_hold_a_datetime(engine: Any) -> None:
    with pytest.raises(Exception, match="datetime, timespan or guid"):
        engine.query("print gettype(pack_array(datetime(2020-01-01))[0])")


def test_pack_all_packs_the_input_row_and_can_drop_null_and_empty_values(engine: Any) -> None:
    result = engine.query(
        "datatable(S: string, T: string, C: long) ['a', '', long(null)]"
        " | extend Packed = pack_all(), Kept = pack_all(true)"
    )
    assert result.rows[0][3:] == [{"S": "a", "T": "", "C": None}, {"S": "a"}]


def test_pack_all_after_a_column_is_computed_again_is_refused(engine: Any) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query("datatable(a: long) [1] | extend a = a + 1, p = pack_all()")


def test_an_ipv4_address_written_after_two_colons_is_read_as_ipv4(scalar: Any) -> None:
    assert scalar("parse_ipv6_mask", "::192.168.255.255/24", 128) == "0000:0000:0000:0000:0000:ffff:c0a8:ff00"


def test_bag_zip_with_values_that_are_no_array_gives_every_key_null(scalar: Any) -> None:
    assert scalar("bag_zip", dyn(["a", 8, "b"]), dyn(1)) == {"a": None, "b": None}


def test_a_case_a_helper_refuses_while_running_is_unsupported_not_a_failure(engine: Any) -> None:
    with pytest.raises(UnsupportedKql, match="parse_version"):
        engine.query('print parse_version(" 1")')


def test_tdigest_and_hll_of_no_values_are_null(engine: Any) -> None:
    assert engine.query("datatable(x: long) [] | summarize tdigest(x), hll(x)").rows == [[None, None]]


def test_tdigest_of_values_is_refused(engine: Any) -> None:
    with pytest.raises(UnsupportedKql, match="tdigest"):
        engine.query("datatable(x: long) [1] | summarize tdigest(x)")
