"""Conversions, conditionals, math and datetime functions produce Kusto's values."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest

from kqlrules.datetimes import with_tick
from tests.engine.functions.harness import NOW, Unsupported, lit


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("tostring", [123], "123"),
        ("tostring", [1.5], "1.5"),
        ("tostring", [1.0], "1"),
        ("tostring", [1e20], "1E+20"),
        ("tostring", [True], "true"),
        ("tostring", [lit(None, "long")], ""),
        ("tostring", [datetime(2018, 7, 1)], "2018-07-01T00:00:00.0000000Z"),
        ("tostring", [datetime(2018, 7, 1, 0, 0, 0, 500000)], "2018-07-01T00:00:00.5000000Z"),
        ("tostring", [timedelta(days=1, hours=2, minutes=3, seconds=4.5)], "1.02:03:04.5000000"),
        ("tostring", [timedelta(minutes=-5)], "-00:05:00"),
        ("tostring", [lit({"a": [1, "x"]}, "dynamic")], '{"a":[1,"x"]}'),
        ("tostring", [lit("text", "dynamic")], "text"),
        ("toint", ["123"], 123),
        ("toint", ["abc"], None),
        ("tolong", [2.9], 2),
        ("tolong", [-2.9], -2),
        ("toreal", ["1.5"], 1.5),
        ("todouble", ["x"], None),
        ("tobool", ["TRUE"], True),
        ("tobool", [0], False),
        ("tobool", ["maybe"], None),
        ("todatetime", ["2015-12-31 23:59:59.9"], datetime(2015, 12, 31, 23, 59, 59, 900000)),
        ("todatetime", ["2014-05-25T08:20:03.123456Z"], datetime(2014, 5, 25, 8, 20, 3, 123456)),
        ("todatetime", ["Sat, 8 Nov 2014 15:05:02 GMT"], datetime(2014, 11, 8, 15, 5, 2)),
        ("todatetime", ["not a date"], None),
        ("totimespan", ["0.00:03:00"], timedelta(minutes=3)),
        ("totimespan", ["1.02:03:04.5"], timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        ("totimespan", ["x"], None),
        ("toguid", ["AE3133F2-6E22-49AE-B06A-16E6A9B212EB"], "ae3133f2-6e22-49ae-b06a-16e6a9b212eb"),
        ("parse_json", ['{"a": 1}'], {"a": 1}),
        ("parse_json", ["not json"], "not json"),
        ("iff", [True, "yes", "no"], "yes"),
        ("iff", [lit(None, "bool"), 1, 2], 2),
        ("case", [False, "a", True, "b", "c"], "b"),
        ("coalesce", [lit(None, "long"), 2, 3], 2),
        ("coalesce", ["", "b"], "b"),
        ("isnull", [lit(None, "long")], True),
        ("isnull", [""], False),
        ("isempty", [""], True),
        ("isempty", [lit(None, "long")], True),
        ("isnotempty", ["a"], True),
        ("isnull", [lit(None, "dynamic")], True),
        ("isnan", [math.nan], True),
        ("abs", [-3], 3),
        ("sign", [-2.5], -1.0),
        ("ceiling", [-1.1], -1.0),
        ("round", [2.98765, 3], 2.988),
        ("round", [-50.55, -2], -100.0),
        ("round", [21.5, -1], 20.0),
        ("pow", [2, 3], 8.0),
        ("log", [0], -math.inf),
        ("sqrt", [4], 2.0),
        ("max_of", [10, 1, -3, 17], 17),
        ("max_of", [lit(None, "int"), lit(2, "int")], 2),
        ("min_of", [1.5, 2], 1.5),
        ("degrees", [math.pi], 180.0),
    ],
)
def test_value_function(scalar: Any, name: str, args: list[Any], expected: Any) -> None:
    result = scalar(name, *args)
    if isinstance(expected, float) and not math.isinf(expected) and not math.isnan(expected):
        assert result == pytest.approx(expected)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == expected


T = datetime(2017, 10, 30, 1, 2, 3, 400000)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("ago", [timedelta(days=1)], NOW - timedelta(days=1)),
        ("now", [], NOW),
        ("now", [timedelta(hours=-1)], NOW - timedelta(hours=1)),
        ("datetime_add", ["month", 1, datetime(2017, 1, 31)], datetime(2017, 2, 28)),
        ("datetime_add", ["year", -1, T], T.replace(year=2016)),
        ("datetime_add", ["minute", 90, T], T + timedelta(minutes=90)),
        ("datetime_diff", ["year", datetime(2017, 1, 1), datetime(2000, 12, 31)], 17),
        ("datetime_diff", ["quarter", datetime(2017, 7, 1), datetime(2017, 3, 30)], 2),
        ("datetime_diff", ["month", datetime(2017, 1, 1), datetime(2015, 12, 30)], 13),
        ("datetime_diff", ["week", datetime(2017, 10, 29), datetime(2017, 9, 30, 23, 59)], 5),
        ("datetime_diff", ["day", datetime(2017, 10, 29), datetime(2017, 9, 30, 23, 59)], 29),
        ("datetime_diff", ["hour", datetime(2017, 10, 31, 1), datetime(2017, 10, 30, 23, 59)], 2),
        ("datetime_part", ["year", T], 2017),
        ("datetime_part", ["week_of_year", datetime(2017, 1, 1)], 52),
        ("datetime_part", ["millisecond", T], 400),
        ("getmonth", [T], 10),
        ("dayofmonth", [T], 30),
        ("dayofyear", [T], 303),
        ("hourofday", [T], 1),
        ("dayofweek", [datetime(1947, 11, 30, 10)], timedelta(0)),
        ("dayofweek", [datetime(1970, 5, 11)], timedelta(days=1)),
        ("startofday", [T], datetime(2017, 10, 30)),
        ("startofweek", [T], datetime(2017, 10, 29)),
        ("startofmonth", [T], datetime(2017, 10, 1)),
        ("startofyear", [T, 1], datetime(2018, 1, 1)),
        ("startofmonth", [T, -1], datetime(2017, 9, 1)),
        ("bin", [4.5, 1], 4.0),
        ("bin", [-1, 10], -10),
        ("bin", [T, timedelta(days=1)], datetime(2017, 10, 30)),
        ("bin", [T, timedelta(hours=1)], datetime(2017, 10, 30, 1)),
        ("bin", [datetime(2018, 7, 5), timedelta(days=7)], datetime(2018, 7, 2)),
        ("bin", [timedelta(minutes=95), timedelta(hours=1)], timedelta(hours=1)),
        ("floor", [7, 5], 5),
        ("bin_at", [6.5, 2.5, 7], 4.5),
        ("bin_at", [timedelta(hours=1), timedelta(days=1), timedelta(hours=12)], timedelta(hours=-12)),
        (
            "bin_at",
            [datetime(2017, 5, 15, 10), timedelta(days=1), datetime(1970, 1, 1, 12)],
            datetime(2017, 5, 14, 12),
        ),
        (
            "format_datetime",
            [datetime(2015, 12, 14, 2, 3, 4, 120000), "yy-MM-dd [HH:mm:ss]"],
            "15-12-14 [02:03:04]",
        ),
        ("format_datetime", [datetime(2015, 12, 14, 14, 3, 4), "h:mm tt"], "2:03 PM"),
        ("format_datetime", [datetime(2015, 12, 14, 2, 3, 4, 120000), "ss.fff FFFF"], "04.120 12"),
        ("format_timespan", [timedelta(days=2, hours=3, seconds=4.12), "d:hh:mm:ss.ff"], "2:03:00:04.12"),
        ("make_datetime", [2017, 10, 1], datetime(2017, 10, 1)),
        ("make_datetime", [2017, 10, 1, 12, 10, 30.5], datetime(2017, 10, 1, 12, 10, 30, 500000)),
        ("make_datetime", [2017, 13, 1], None),
        ("make_timespan", [1, 12, 30, 55.2], timedelta(days=1, hours=12, minutes=30, seconds=55.2)),
        ("make_timespan", [12, 30], timedelta(hours=12, minutes=30)),
        ("unixtime_seconds_todatetime", [1546300800], datetime(2019, 1, 1)),
        ("unixtime_milliseconds_todatetime", [1546300800123], datetime(2019, 1, 1, 0, 0, 0, 123000)),
        ("unixtime_microseconds_todatetime", [1546300800123456], datetime(2019, 1, 1, 0, 0, 0, 123456)),
        ("unixtime_nanoseconds_todatetime", [1546300800123456000], datetime(2019, 1, 1, 0, 0, 0, 123456)),
    ],
)
def test_datetime_function(scalar: Any, name: str, args: list[Any], expected: Any) -> None:
    assert scalar(name, *args) == expected


def test_endofday_is_the_last_tick_of_the_day(scalar: Any) -> None:
    # endofday-function.md: the end of the day is 23:59:59.9999999, one 100-ns tick before the next day.
    assert scalar("endofday", T) == with_tick(datetime(2017, 10, 30, 23, 59, 59, 999999), 9)


def test_format_datetime_with_an_unknown_specifier_is_unsupported(scalar: Any) -> None:
    with pytest.raises(Unsupported):
        scalar("format_datetime", T, "MMM yyyy")


def test_utc_to_local_follows_daylight_saving(scalar: Any) -> None:
    summer = scalar("datetime_utc_to_local", datetime(2022, 7, 11, 22, 18), "US/Pacific")
    winter = scalar("datetime_utc_to_local", datetime(2022, 1, 11, 22, 18), "US/Pacific")
    assert (summer, winter) == (datetime(2022, 7, 11, 15, 18), datetime(2022, 1, 11, 14, 18))


def test_local_to_utc_inverts_utc_to_local(scalar: Any) -> None:
    assert scalar("datetime_local_to_utc", datetime(2022, 7, 12, 8, 18), "Australia/Canberra") == datetime(
        2022, 7, 11, 22, 18
    )


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("binary_shift_left", [1, 2], 4),
        ("binary_shift_left", [-2, 3], -16),
        ("binary_shift_left", [1, 65], 2),
        ("binary_shift_right", [8, 2], 2),
        ("binary_shift_right", [-16, 2], -4),
    ],
)
def test_shifts_follow_dotnet(scalar: Any, name: str, args: list[Any], expected: int) -> None:
    assert scalar(name, *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [([2.98765, 3], 2.988), ([2.15, 1], 2.2), ([2.15], 2.0), ([-50.55, -2], -100.0), ([21.5, -1], 20.0)],
)
def test_round_matches_the_reference(scalar: Any, args: list[Any], expected: float) -> None:
    assert scalar("round", *args) == pytest.approx(expected)


def test_round_of_an_ambiguous_halfway_value_stops(scalar: Any) -> None:
    with pytest.raises(Exception, match="halfway"):
        scalar("round", 2.5)


def test_geo_distance_is_measured_on_kustos_sphere(scalar: Any) -> None:
    distance = scalar("geo_distance_2points", -122.407628, 47.578557, -118.275287, 34.019056)
    assert distance == pytest.approx(1546754.35197381, rel=1e-12)


def test_geo_point_in_circle_compares_the_distance_with_the_radius(scalar: Any) -> None:
    assert scalar("geo_point_in_circle", -122.201741, 47.677084, -122.317404, 47.609119, 18000.0) is True
    assert scalar("geo_point_in_circle", -122.137575, 47.630683, -122.100896, 47.527351, 3500.0) is False


def test_geo_functions_give_null_for_invalid_coordinates(scalar: Any) -> None:
    assert scalar("geo_point_in_circle", 200.0, 1.0, 1.0, 1.0, 1.0) is None


def test_geo_azimuth_is_clockwise_from_north(scalar: Any) -> None:
    assert math.degrees(scalar("geo_azimuth", 5.0, 10.0, 10.0, -40.0)) == pytest.approx(175.015653606568)
    assert scalar("geo_azimuth", 5.0, 10.0, 5.0, 10.0) is None


def test_geo_line_length_sums_great_circle_edges(scalar: Any) -> None:
    line = {
        "type": "MultiLineString",
        "coordinates": [
            [[-73.95798683166502, 40.800556090021466], [-73.98193359375, 40.76819171855746]],
            [[-73.94940376281738, 40.79691751000055], [-73.97317886352539, 40.76435634049001]],
        ],
    }
    assert scalar("geo_line_length", lit(line, "dynamic")) == pytest.approx(8262.24339753741, rel=1e-12)


def test_geo_angle_turns_clockwise_at_the_middle_point(scalar: Any) -> None:
    assert scalar("geo_angle", 0.0, 10.0, 0.0, 5.0, 3.0, -10.0) == pytest.approx(2.94493843406882, rel=1e-12)


def test_geo_distance_point_to_line_reaches_the_nearest_edge(scalar: Any) -> None:
    line = {
        "type": "LineString",
        "coordinates": [
            [-115.115385, 36.229195], [-115.136995, 36.200366], [-115.140252, 36.192470],
            [-115.143558, 36.188523], [-115.144076, 36.181954], [-115.154662, 36.174483],
            [-115.166431, 36.176388], [-115.183289, 36.175007], [-115.192612, 36.176736],
            [-115.202485, 36.173439], [-115.225355, 36.174365],
        ],
    }  # fmt: skip
    distance = scalar("geo_distance_point_to_line", -115.199625, 36.210419, lit(line, "dynamic"))
    assert distance == pytest.approx(3797.88887253334, rel=1e-12)


def test_geo_distance_point_to_an_invalid_line_is_null(scalar: Any) -> None:
    assert scalar("geo_distance_point_to_line", 1.0, 1.0, lit({"type": "LineString"}, "dynamic")) is None


NEW_YORK_LINE = {"type": "LineString", "coordinates": [[-73.95796, 40.80042], [-73.97317, 40.764486]]}


def test_geo_line_interpolate_point_walks_the_great_circle(scalar: Any) -> None:
    point = scalar("geo_line_interpolate_point", lit(NEW_YORK_LINE, "dynamic"), 0.25)
    assert point["type"] == "Point"
    assert point["coordinates"] == pytest.approx([-73.961764043218281, 40.791436687257232], rel=1e-12)


def test_geo_line_locate_point_gives_the_fraction_of_the_nearest_point(scalar: Any) -> None:
    fraction = scalar("geo_line_locate_point", lit(NEW_YORK_LINE, "dynamic"), -73.965, 40.792)
    assert fraction == pytest.approx(0.25560135100307552, rel=1e-9)


def test_geo_closest_point_on_line_lies_on_the_line(scalar: Any) -> None:
    point = scalar("geo_closest_point_on_line", -73.965, 40.792, lit(NEW_YORK_LINE, "dynamic"))
    fraction = scalar(
        "geo_line_locate_point",
        lit(NEW_YORK_LINE, "dynamic"),
        point["coordinates"][0],
        point["coordinates"][1],
    )
    assert fraction == pytest.approx(0.25560135100307552, rel=1e-6)
    assert scalar("geo_closest_point_on_line", 300.0, 3.0, lit(NEW_YORK_LINE, "dynamic")) is None


def test_not_negates_and_keeps_null(scalar: Any) -> None:
    assert (scalar("not", True), scalar("not", lit(None, "bool"))) == (False, None)


def test_geo_intersects_2lines_sees_a_crossing(scalar: Any) -> None:
    first = {"type": "LineString", "coordinates": [[-73.978929, 40.785155], [-73.980903, 40.782621]]}
    second = {"type": "LineString", "coordinates": [[-73.985195, 40.788275], [-73.974552, 40.779761]]}
    apart = {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]}
    assert scalar("geo_intersects_2lines", lit(first, "dynamic"), lit(second, "dynamic")) is True
    assert scalar("geo_intersects_2lines", lit(first, "dynamic"), lit(apart, "dynamic")) is False


def test_geo_polygon_perimeter_sums_the_ring(scalar: Any) -> None:
    ring = [
        [-73.9495, 40.7969], [-73.95807266235352, 40.80068603561921], [-73.98201942443848, 40.76825672305777],
        [-73.97317886352539, 40.76455136505513], [-73.9495, 40.7969],
    ]  # fmt: skip
    polygon = lit({"type": "Polygon", "coordinates": [ring]}, "dynamic")
    assert scalar("geo_polygon_perimeter", polygon) == pytest.approx(9930.30149604938, rel=1e-12)


def test_geo_polygon_perimeter_of_an_invalid_ring_is_null(scalar: Any) -> None:
    invalid = lit({"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 10], [0, 0]]]}, "dynamic")
    bowtie = lit({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}, "dynamic")
    assert scalar("geo_polygon_perimeter", invalid) is None
    assert scalar("geo_polygon_perimeter", bowtie) is None


def test_geo_polygon_perimeter_of_a_multipolygon_is_the_boundary_of_the_union(scalar: Any) -> None:
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    twice = lit({"type": "MultiPolygon", "coordinates": [[square], [square]]}, "dynamic")
    once = lit({"type": "Polygon", "coordinates": [square]}, "dynamic")
    assert scalar("geo_polygon_perimeter", twice) == pytest.approx(scalar("geo_polygon_perimeter", once))


def test_extract_json_reads_a_path(scalar: Any) -> None:
    text = '{"name": "John", "age": 30, "items": [{"Value": "x"}]}'
    assert scalar("extract_json", "$.name", text, result_type="string") == "John"
    assert scalar("extractjson", "$.items[0].Value", text, result_type="string") == "x"
    assert scalar("extract_json", "$.age", text, result_type="long") == 30
    assert scalar("extract_json", "$.name", "not json", result_type="string") == ""
