"""series_fit_line(): least squares against x = 1..n, checked on the Kusto reference's example; the anomaly
functions the engine does not compute run on empty inputs and are refused on rows."""

from __future__ import annotations

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql

# The reference's example (series-fit-line-function.md), printed to three decimals.
EXAMPLE = "dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])"
EXPECTED = {"RSquare": 0.982, "Slope": 2.730, "Variance": 98.628, "RVariance": 1.686, "Interception": -1.666}
EXPECTED_LINE = [1.064, 3.7945, 6.526, 9.256, 11.987, 14.718, 17.449, 20.180, 22.910, 25.641, 28.371, 31.102]


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def _fit(engine: LocalEngine, series: str) -> dict[str, object]:
    result = engine.query(
        f"print y = {series}"
        " | extend (RSquare, Slope, Variance, RVariance, Interception, LineFit) = series_fit_line(y)"
    )
    return {c.name: v for c, v in zip(result.columns, result.rows[0], strict=True)}


def test_series_fit_line_matches_the_reference_example(engine: LocalEngine) -> None:
    fit = _fit(engine, EXAMPLE)
    for name, printed in EXPECTED.items():
        value = fit[name]
        assert isinstance(value, float)
        assert abs(value - printed) < 1e-3, name  # the reference prints truncated to three decimals


def test_series_fit_line_gives_one_fitted_value_per_element(engine: LocalEngine) -> None:
    line = _fit(engine, EXAMPLE)["LineFit"]
    assert isinstance(line, list)
    assert line == pytest.approx(EXPECTED_LINE, abs=1e-3)


def test_a_perfect_line_has_rsquare_one(engine: LocalEngine) -> None:
    fit = _fit(engine, "dynamic([3, 5, 7, 9])")
    assert fit["Slope"] == pytest.approx(2.0)
    assert fit["Interception"] == pytest.approx(1.0)
    assert fit["RSquare"] == pytest.approx(1.0)
    assert fit["RVariance"] == pytest.approx(0.0)


def test_unnamed_series_fit_line_columns_follow_the_analyzer(engine: LocalEngine) -> None:
    result = engine.query("print y = dynamic([1, 2, 4]) | extend series_fit_line(y)")
    assert [c.name for c in result.columns][1:] == [
        f"series_fit_line_y_{field}"
        for field in ("rsquare", "slope", "variance", "rvariance", "interception", "line_fit")
    ]


def test_series_fit_line_dynamic_is_the_same_fit_as_a_bag(engine: LocalEngine) -> None:
    result = engine.query(f"print f = series_fit_line_dynamic({EXAMPLE}) | project s = toreal(f.slope)")
    assert result.rows[0][0] == pytest.approx(2.7307692307692)


@pytest.mark.parametrize("series", ["dynamic([4, 4, 4])", "dynamic([1])", "dynamic([1, null, 3])"])
def test_a_series_the_reference_does_not_show_is_refused(engine: LocalEngine, series: str) -> None:
    with pytest.raises(UnsupportedKql, match="series_fit_line"):
        _fit(engine, series)


def test_series_decompose_anomalies_runs_on_an_empty_input(engine: LocalEngine) -> None:
    result = engine.query(
        "range x from 1 to 0 step 1 | extend y = dynamic([1, 2, 3])"
        " | extend (anomalies, score, baseline) = series_decompose_anomalies(y, 1.5, -1, 'linefit')"
    )
    assert [c.name for c in result.columns] == ["x", "y", "anomalies", "score", "baseline"]
    assert result.rows == []
