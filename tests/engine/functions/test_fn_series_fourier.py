"""series_fft() and series_ifft(): the unscaled discrete Fourier transform and its exact inverse, as the
reference's round-trip example (series-fft-function.md) requires; lengths it does not show are refused."""

from __future__ import annotations

import math
from typing import Any

import pytest

from kqlrules.engine import LocalEngine, UnsupportedKql


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def _row(engine: LocalEngine, query: str) -> dict[str, Any]:
    result = engine.query(query)
    return {c.name: v for c, v in zip(result.columns, result.rows[0], strict=True)}


def test_fft_of_an_impulse_is_flat(engine: LocalEngine) -> None:
    row = _row(engine, "print y = dynamic([1, 0, 0, 0]) | extend (re, im) = series_fft(y)")
    assert row["re"] == pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert row["im"] == pytest.approx([0.0, 0.0, 0.0, 0.0])


def test_fft_of_a_complex_series_uses_the_negative_exponent(engine: LocalEngine) -> None:
    row = _row(
        engine,
        "print y = dynamic([1, 2, 3, 4]), yi = dynamic([0, 1, 0, 1]) | extend (re, im) = series_fft(y, yi)",
    )
    assert row["re"] == pytest.approx([10.0, -2.0, -2.0, -2.0])
    assert row["im"] == pytest.approx([2.0, 2.0, -2.0, -2.0])


def test_ifft_gives_back_the_reference_example_series(engine: LocalEngine) -> None:
    row = _row(
        engine,
        "range x from 0 to 127 step 1 | extend yr = sin(2 * pi() / 8 * x), yi = sin(2 * pi() / 32 * x)"
        " | summarize y_real = make_list(yr), y_imag = make_list(yi)"
        " | extend (fft_y_real, fft_y_imag) = series_fft(y_real, y_imag)"
        " | extend (y_real2, y_imag2) = series_ifft(fft_y_real, fft_y_imag)",
    )
    assert row["y_real2"] == pytest.approx(row["y_real"], abs=1e-9)
    assert row["y_imag2"] == pytest.approx(row["y_imag"], abs=1e-9)
    # A unit sine of a 128-point series peaks at n / 2: the forward transform is unscaled.
    peak = max(math.hypot(r, i) for r, i in zip(row["fft_y_real"], row["fft_y_imag"], strict=True))
    assert peak == pytest.approx(64.0)


def test_a_length_that_is_not_a_power_of_two_is_refused(engine: LocalEngine) -> None:
    with pytest.raises(UnsupportedKql):
        engine.query("print y = dynamic([1, 2, 3]) | extend series_fft(y)")
