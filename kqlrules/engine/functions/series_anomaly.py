"""Decomposition, forecast and anomaly scores of a series, by the algorithms the reference documents.

series_decompose(x, [seasonality=-1, trend='avg', test_points=0, seasonality_threshold=0.6])
(learn.microsoft.com/kusto/query/series-decompose-function): the points before the last `test_points` are
learnt from; in this order
1. seasonal: the median of the learnt points of the same phase (index modulo the period), 0 without a period;
2. the seasonal series is subtracted from x;
3. trend of that deseasonalised series: 'avg' its average, 'linefit' its least-squares line, 'none' 0;
4. baseline = seasonal + trend; 5. residual = x - baseline.
Seasonality -1 detects the period with series_periods_detect(), whose scoring the reference does not give:
the engine answers only where no period can exist (the reference: a period holds at least 4 points and at
most half the series, so a series shorter than 8 points has none) and refuses the row otherwise.

series_outliers(x, [kind='ctukey', ignore_val=null, min_percentile=10, max_percentile=90]): Tukey's fences,
scored so that 1.5 and -1.5 are the classic fences: (x - high) / (high - low) above the high percentile,
(x - low) / (high - low) below the low one, 0 between; 'tukey' uses the 25th and 75th percentiles. Nulls and
`ignore_val` score 0. The reference does not say how a percentile between two points is read: the engine
interpolates linearly between the closest ranks (documented in docs/engine-coverage.md).

series_decompose_anomalies(x, [threshold=1.5, seasonality=-1, trend='linefit', test_points=0,
ad_method='ctukey', seasonality_threshold=0.6]): series_outliers() of the residual (its fences learnt from the
learnt points), ad_flag +1 / -1 where the score is above threshold / below -threshold, and the baseline.
series_decompose_forecast(x, points, [seasonality=-1, trend='linefit', seasonality_threshold=0.6]): the
baseline of series_decompose(x, seasonality, trend, points).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable
from typing import Any

from kqlrules.engine.errors import RefusedAtRunTime, refusal_sql
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import arity, as_dynamic, as_long, as_real, as_string, fn
from kqlrules.engine.sql import Sql, quote_string

DECOMPOSE_FIELDS = ["baseline", "seasonal", "trend", "residual"]
ANOMALY_FIELDS = ["ad_flag", "ad_score", "baseline"]
PERIODS_FIELDS = ["periods", "scores"]
MIN_PERIOD_POINTS = 4
TUKEY_PERCENTILES = {"tukey": (25.0, 75.0), "ctukey": (10.0, 90.0)}


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _series(text: str, name: str) -> list[float] | None:
    values = json.loads(text)
    if not isinstance(values, list):
        return None
    out: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RefusedAtRunTime(f"{name}() of a series with an element that is not a finite number")
        out.append(float(value))
    return out


def _period(learnt: int, seasonality: int, name: str) -> int:
    if seasonality > 0:
        return seasonality
    if seasonality == 0 or learnt < 2 * MIN_PERIOD_POINTS:
        return 0
    if seasonality == -1:
        raise RefusedAtRunTime(f"{name}() detecting the seasonality (series_periods_detect's scoring)")
    raise RefusedAtRunTime(f"{name}() of seasonality {seasonality}")


def _line(values: list[float], n: int) -> list[float]:
    m = len(values)
    if m == 1:
        return [values[0]] * n
    mean_x, mean_y = (m - 1) / 2, math.fsum(values) / m
    sxx = math.fsum((i - mean_x) ** 2 for i in range(m))
    sxy = math.fsum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    slope = sxy / sxx
    return [mean_y + slope * (i - mean_x) for i in range(n)]


def decompose(
    x: list[float], seasonality: int, trend: str, test_points: int, name: str = "series_decompose"
) -> dict[str, list[float]]:
    n = len(x)
    if not 0 <= test_points < n:
        raise RefusedAtRunTime(f"{name}() with {test_points} test points of a series of {n}")
    learnt = n - test_points
    period = _period(learnt, seasonality, name)
    if period:
        medians = [statistics.median(x[phase:learnt:period] or [0.0]) for phase in range(period)]
        seasonal = [medians[i % period] for i in range(n)]
    else:
        seasonal = [0.0] * n
    deseasonal = [v - s for v, s in zip(x[:learnt], seasonal, strict=False)]
    if trend == "avg":
        trend_values = [math.fsum(deseasonal) / learnt] * n
    elif trend == "linefit":
        trend_values = _line(deseasonal, n)
    elif trend == "none":
        trend_values = [0.0] * n
    else:
        raise RefusedAtRunTime(f"{name}() with trend '{trend}'")
    baseline = [s + t for s, t in zip(seasonal, trend_values, strict=True)]
    residual = [v - b for v, b in zip(x, baseline, strict=True)]
    return {"baseline": baseline, "seasonal": seasonal, "trend": trend_values, "residual": residual}


def _percentile(ordered: list[float], percent: float) -> float:
    """Linear interpolation between the closest ranks (rank = p/100 * (n - 1), from 0)."""
    rank = percent / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def outlier_scores(
    values: list[float | None], learnt: list[float], low_percent: float, high_percent: float, name: str
) -> list[float]:
    if not learnt:
        return [0.0 for _ in values]
    ordered = sorted(learnt)
    low, high = _percentile(ordered, low_percent), _percentile(ordered, high_percent)
    spread = high - low
    scores = []
    for value in values:
        if value is None or low <= value <= high:
            scores.append(0.0)
        elif spread == 0:
            raise RefusedAtRunTime(f"{name}() of a series whose percentile range is empty")
        else:
            scores.append((value - high) / spread if value > high else (value - low) / spread)
    return scores


def _percentiles(kind: str, low: float, high: float, name: str) -> tuple[float, float]:
    if kind == "tukey":
        return TUKEY_PERCENTILES["tukey"]
    if kind != "ctukey":
        raise RefusedAtRunTime(f"{name}() of kind '{kind}'")
    if not (2.0 <= low <= 98.0 and 2.0 <= high <= 98.0 and low < high):
        raise RefusedAtRunTime(f"{name}() with percentiles {low} and {high} (the range is 2..98)")
    return low, high


def series_decompose(text: str, seasonality: int, trend: str, test_points: int) -> str | None:
    x = _series(text, "series_decompose")
    if x is None:
        return None
    if not x:
        return _dump({key: [] for key in DECOMPOSE_FIELDS})
    return _dump(decompose(x, seasonality, trend, test_points))


def series_decompose_forecast(text: str, points: int, seasonality: int, trend: str) -> str | None:
    x = _series(text, "series_decompose_forecast")
    if x is None:
        return None
    if not x:
        return "[]"
    return _dump(decompose(x, seasonality, trend, points, "series_decompose_forecast")["baseline"])


def series_decompose_anomalies(
    text: str, threshold: float, seasonality: int, trend: str, test_points: int, method: str
) -> str | None:
    name = "series_decompose_anomalies"
    x = _series(text, name)
    if x is None:
        return None
    if not x:
        return _dump({key: [] for key in ANOMALY_FIELDS})
    parts = decompose(x, seasonality, trend, test_points, name)
    residual = parts["residual"]
    low, high = _percentiles(method, *TUKEY_PERCENTILES["ctukey"], name)
    learnt: list[float | None] = list(residual)
    scores = outlier_scores(learnt, residual[: len(x) - test_points], low, high, name)
    flags = [1 if s > threshold else -1 if s < -threshold else 0 for s in scores]
    return _dump({"ad_flag": flags, "ad_score": scores, "baseline": parts["baseline"]})


def series_outliers(text: str, kind: str, ignore_text: str, low: float, high: float) -> str | None:
    ignore = float(ignore_text) if ignore_text else None
    values = json.loads(text)
    if not isinstance(values, list):
        return None
    low, high = _percentiles(kind, low, high, "series_outliers")
    numbers: list[float | None] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            numbers.append(None)
        else:
            numbers.append(None if ignore is not None and value == ignore else float(value))
    learnt = [v for v in numbers if v is not None]
    return _dump(outlier_scores(numbers, learnt, low, high, "series_outliers"))


def series_periods_detect(text: str, min_period: float, max_period: float, count: int) -> str | None:
    """Only the case where no period can be found: the series is too short for a period of `min_period`
    points (a period holds at least 4 points and at most half the series); the scoring is not documented."""
    values = json.loads(text)
    if not isinstance(values, list):
        return None
    if max(min_period, MIN_PERIOD_POINTS) > len(values) / 2 or max_period < MIN_PERIOD_POINTS:
        return _dump({"periods": [0.0] * count, "scores": [0.0] * count})
    raise RefusedAtRunTime("series_periods_detect() (its scoring is not documented)")


_T, _D, _L = "VARCHAR", "DOUBLE", "BIGINT"

PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_series_decompose", series_decompose, [_T, _L, _T, _L], _T),
    ("kql_series_decompose_forecast", series_decompose_forecast, [_T, _L, _L, _T], _T),
    ("kql_series_decompose_anomalies", series_decompose_anomalies, [_T, _D, _L, _T, _L, _T], _T),
    ("kql_series_periods_detect", series_periods_detect, [_T, _D, _D, _L], _T),
    ("kql_series_outliers", series_outliers, [_T, _T, _T, _D, _D], _T),
]


# --- translators ------------------------------------------------------------------------------------------


def _text(values: Sql) -> str:
    return f"CAST({as_dynamic(values)} AS VARCHAR)"


def _optional(args: list[Sql], index: int, default: str, convert: Callable[[Sql], Sql]) -> str:
    """An optional argument: its default where it is absent or null (Kusto's way of skipping one)."""
    if index >= len(args):
        return default
    return f"COALESCE({convert(args[index])}, {default})"


def _json(text: str) -> Sql:
    return Sql(f"CAST({text} AS JSON)", "dynamic")


@scalar("series_decompose")
def series_decompose_call(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 5)
    return _json(
        fn(
            "kql_series_decompose",
            _text(args[0]),
            _optional(args, 1, "-1", as_long),
            _optional(args, 2, "'avg'", as_string),
            _optional(args, 3, "0", as_long),
        )
    )


@scalar("series_decompose_anomalies")
def series_decompose_anomalies_call(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 7)
    return _json(
        fn(
            "kql_series_decompose_anomalies",
            _text(args[0]),
            _optional(args, 1, "1.5", as_real),
            _optional(args, 2, "-1", as_long),
            _optional(args, 3, "'linefit'", as_string),
            _optional(args, 4, "0", as_long),
            _optional(args, 5, "'ctukey'", as_string),
        )
    )


@scalar("series_decompose_forecast")
def series_decompose_forecast_call(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 2, 5)
    return _json(
        fn(
            "kql_series_decompose_forecast",
            _text(args[0]),
            as_long(args[1]),
            _optional(args, 2, "-1", as_long),
            _optional(args, 3, "'linefit'", as_string),
        )
    )


@scalar("series_outliers")
def series_outliers_call(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 5)
    # ignore_val may be null (nothing ignored): passed as text, '' for null, since a null argument would
    # make the helper's result null.
    ignore = f"COALESCE(CAST({as_real(args[2])} AS VARCHAR), '')" if len(args) > 2 else "''"
    kind = _optional(args, 1, "'ctukey'", as_string)
    low, high = _optional(args, 3, "10.0", as_real), _optional(args, 4, "90.0", as_real)
    return _json(fn("kql_series_outliers", _text(args[0]), kind, ignore, low, high))


@scalar("series_periods_detect")
def series_periods_detect_call(ctx: TranslationContext, call: Call) -> Sql:
    series, low, high, count = arity(ctx, call, 4)
    return _json(fn("kql_series_periods_detect", _text(series), as_real(low), as_real(high), as_long(count)))


@scalar("series_periods_validate")
def series_periods_validate_call(ctx: TranslationContext, call: Call) -> Sql:
    """Its scoring is not documented: the plan runs, and a row that needs the values stops the query."""
    arity(ctx, call, 2, 99)
    construct = quote_string("series_periods_validate() over rows (its scoring is not documented)")
    return Sql(f"CAST({refusal_sql(construct)} AS JSON)", "dynamic")
