"""series_fit_poly(): polynomial least squares, whose degree-1 fit the reference says matches
series_fit_line() (series-fit-poly-function.md, example 2);
refused where the reference does not settle the answer."""

from __future__ import annotations

from typing import Any

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql

# series-fit-line-function.md's example series, whose fit the reference prints to three decimals.
EXAMPLE = "dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])"


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def _row(engine: LocalEngine, query: str) -> dict[str, Any]:
    result = engine.query(query)
    return {c.name: v for c, v in zip(result.columns, result.rows[0], strict=True)}


def test_degree_one_matches_series_fit_line(engine: LocalEngine) -> None:
    row = _row(engine, f"print y = {EXAMPLE} | extend series_fit_line(y) | extend series_fit_poly(y)")
    assert row["series_fit_poly_y_rsquare"] == pytest.approx(row["series_fit_line_y_rsquare"])
    assert row["series_fit_poly_y_coefficients"] == pytest.approx(
        [row["series_fit_line_y_slope"], row["series_fit_line_y_interception"]]
    )
    assert row["series_fit_poly_y_variance"] == pytest.approx(row["series_fit_line_y_variance"])
    assert row["series_fit_poly_y_rvariance"] == pytest.approx(row["series_fit_line_y_rvariance"])
    assert row["series_fit_poly_y_poly_fit"] == pytest.approx(row["series_fit_line_y_line_fit"])


def test_coefficients_run_from_the_highest_power_against_the_given_x(engine: LocalEngine) -> None:
    row = _row(
        engine,
        "print x = dynamic([0, 1, 2, 3, 4]), y = dynamic([1, 2, 5, 10, 17])"
        " | extend (rsquare, coefficients, variance, rvariance, poly_fit) = series_fit_poly(y, x, int(2))",
    )
    assert row["coefficients"] == pytest.approx([1.0, 0.0, 1.0], abs=1e-9)  # y = x^2 + 1
    assert row["rsquare"] == pytest.approx(1.0)
    assert row["poly_fit"] == pytest.approx([1.0, 2.0, 5.0, 10.0, 17.0])
    assert row["rvariance"] == pytest.approx(0.0, abs=1e-12)


def test_a_series_with_too_few_points_for_the_degree_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query("print y = dynamic([1, 4]) | extend series_fit_poly(y, dynamic(null), int(2))")


def test_a_degree_that_is_not_a_constant_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query(f"print y = {EXAMPLE}, d = int(2) | extend series_fit_poly(y, dynamic(null), d)")
