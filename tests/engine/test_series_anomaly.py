"""series_decompose(), its anomalies and forecast, series_outliers(): the documented algorithms, by hand."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql
from kqlrules.engine.functions.series_anomaly import _percentile, decompose


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def row(engine: LocalEngine, query: str) -> list[Any]:
    rows = engine.query(query).rows
    assert len(rows) == 1
    return list(rows[0])


SEASONAL = [1, 5, 2, 1, 6, 2, 1, 4, 2, 2, 5, 3]  # period 3


def test_decompose_seasonal_is_the_median_of_each_phase_and_trend_the_average(engine: LocalEngine) -> None:
    baseline, seasonal, trend, residual = row(
        engine, f"print y = dynamic({SEASONAL}) | project (b, s, t, r) = series_decompose(y, 3, 'avg')"
    )
    medians = [statistics.median(SEASONAL[phase::3]) for phase in range(3)]
    assert seasonal == [medians[i % 3] for i in range(12)]
    average = sum(v - s for v, s in zip(SEASONAL, seasonal, strict=True)) / 12
    assert trend == pytest.approx([average] * 12)
    assert baseline == pytest.approx([s + t for s, t in zip(seasonal, trend, strict=True)])
    assert residual == pytest.approx([v - b for v, b in zip(SEASONAL, baseline, strict=True)])


def test_decompose_linefit_recovers_a_line_and_none_gives_no_trend() -> None:
    line = [2.0 + 3.0 * i for i in range(10)]
    parts = decompose(line, 0, "linefit", 0)
    assert parts["trend"] == pytest.approx(line)
    assert parts["residual"] == pytest.approx([0.0] * 10)
    assert decompose(line, 0, "none", 0)["baseline"] == [0.0] * 10


def test_test_points_are_not_learnt_but_forecast(engine: LocalEngine) -> None:
    (forecast,) = row(
        engine, "print f = series_decompose_forecast(dynamic([1, 2, 3, 4, 5, 6, 100, 100]), 2, 0)"
    )
    assert forecast == pytest.approx([1, 2, 3, 4, 5, 6, 7, 8])


def test_autodetected_seasonality_answers_only_where_no_period_can_exist(engine: LocalEngine) -> None:
    # fewer than 8 points: no period of at least 4 points fits twice, so seasonal is 0
    (seasonal,) = row(engine, "print y = dynamic([1, 9, 1, 9, 1, 9, 1]) | project (b, s, t, r) = "
                      "series_decompose(y) | project s")  # fmt: skip
    assert seasonal == [0.0] * 7
    with pytest.raises(UnsupportedKql, match="detecting the seasonality"):
        engine.query(f"print y = dynamic({SEASONAL}) | project (b, s, t, r) = series_decompose(y)")


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert _percentile([1.0, 2.0, 3.0, 4.0, 5.0], 25) == 2.0
    assert _percentile([1.0, 2.0, 3.0, 4.0], 10) == pytest.approx(1.3)


def test_outliers_score_against_the_fences(engine: LocalEngine) -> None:
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]
    (scores,) = row(engine, f"print o = series_outliers(dynamic({values}), 'tukey')")
    ordered = sorted(float(v) for v in values)
    low, high = _percentile(ordered, 25), _percentile(ordered, 75)
    assert scores[-1] == pytest.approx((100 - high) / (high - low))
    assert scores[4] == 0
    assert scores[0] == pytest.approx((1 - low) / (high - low)) and scores[0] < 0


def test_outliers_give_0_to_ignored_and_missing_values(engine: LocalEngine) -> None:
    (scores,) = row(
        engine, "print o = series_outliers(dynamic([1, 2, 3, -1, 4, 5, 6, 'a', 7, 8]), 'ctukey', -1)"
    )
    assert scores[3] == 0 and scores[7] == 0


def test_outlier_percentiles_out_of_range_are_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql, match="percentiles"):
        engine.query("print o = series_outliers(dynamic([1, 2, 3]), 'ctukey', 0, 1, 90)")


def test_anomalies_flag_scores_beyond_the_threshold(engine: LocalEngine) -> None:
    values = [10, 11, 10, 12, 11, 10, 50]
    flags, scores, baseline = row(
        engine,
        f"print y = dynamic({values}) | project (f, s, b) = series_decompose_anomalies(y, 1.5, -1, 'avg')",
    )
    residual = [v - sum(values) / 7 for v in values]
    ordered = sorted(residual)
    low, high = _percentile(ordered, 10), _percentile(ordered, 90)
    expected = [
        (r - high) / (high - low) if r > high else (r - low) / (high - low) if r < low else 0
        for r in residual
    ]
    assert scores == pytest.approx(expected)
    assert flags == [1 if s > 1.5 else -1 if s < -1.5 else 0 for s in expected]
    assert baseline == pytest.approx([sum(values) / 7] * 7)


def test_periods_detect_of_a_series_too_short_for_any_period(engine: LocalEngine) -> None:
    periods, scores = row(engine, "print y = dynamic([1, 2, 1, 2, 1]) | project (p, s) = "
                          "series_periods_detect(y, 0.0, 10.0, 2)")  # fmt: skip
    assert periods == [0, 0] and scores == [0, 0]
    with pytest.raises(UnsupportedKql, match="series_periods_detect"):
        engine.query(
            f"print y = dynamic({SEASONAL * 3}) | project (p, s) = series_periods_detect(y, 2.0, 10.0, 2)"
        )


def test_the_functions_run_on_an_empty_input(engine: LocalEngine) -> None:
    result = engine.query(
        "range x from 1 to 0 step 1 | extend y = dynamic([1, 2, 3])"
        " | extend (anomalies, score, baseline) = series_decompose_anomalies(y, 1.5, -1, 'linefit')"
        " | extend (p, s) = series_periods_validate(y, 3.0)"
    )
    assert result.rows == []
