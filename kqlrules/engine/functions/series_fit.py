"""Fits of a series: `series_fit_line_dynamic()` (and, through the core's multi-column `extend`,
`series_fit_line()`).

`series_fit_line` is ordinary least squares of the values against x = 1, 2, ... n: the reference's example
(`[2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]` -> rsquare 0.982, slope 2.730, variance 98.628, rvariance
1.686, interception -1.666, line_fit 1.064, 3.7945, ...) pins the x origin (line_fit[0] = interception +
slope) and both variances as sample variances (divided by n - 1): the variance of the values and that of
their residuals; rsquare is 1 - residual sum of squares / total sum of squares.

What the reference does not show is refused when a row needs it: a series with a non-numeric or null
element, fewer than two elements, or all elements equal (rsquare is 0/0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import arity, as_dynamic, fn
from kqlrules.engine.sql import Sql

FIT_LINE_FIELDS = ["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"]


class RefusedSeries(RefusedAtRunTime):
    """A series the engine cannot fit as Kusto does."""

    def __init__(self, what: str) -> None:
        super().__init__(f"series_fit_line() of {what}")


def fit_line(values: list[float]) -> dict[str, Any]:
    n = len(values)
    if n < 2:
        raise RefusedSeries("a series of fewer than two values")
    xs = range(1, n + 1)
    mean_x = (n + 1) / 2
    mean_y = math.fsum(values) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True))
    slope = sxy / sxx
    interception = mean_y - slope * mean_x
    line = [interception + slope * x for x in xs]
    total = math.fsum((y - mean_y) ** 2 for y in values)
    if total == 0:
        raise RefusedSeries("a constant series")
    residual = math.fsum((y - f) ** 2 for y, f in zip(values, line, strict=True))
    return {
        "rsquare": 1 - residual / total,
        "slope": slope,
        "variance": total / (n - 1),
        "rvariance": residual / (n - 1),
        "interception": interception,
        "line_fit": line,
    }


def series_fit_line_dynamic(text: str) -> str | None:
    values = json.loads(text)
    if not isinstance(values, list):
        return None
    numbers: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RefusedSeries("a series with an element that is not a finite number")
        numbers.append(float(value))
    return json.dumps(fit_line(numbers), separators=(",", ":"))


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_series_fit_line_dynamic", series_fit_line_dynamic, ["VARCHAR"], "VARCHAR"),
]


@scalar("series_fit_line_dynamic")
def series_fit_line_dynamic_call(ctx: TranslationContext, call: Call) -> Sql:
    (values,) = arity(ctx, call, 1)
    text = f"CAST({as_dynamic(values)} AS VARCHAR)"
    return Sql(f"CAST({fn('kql_series_fit_line_dynamic', text)} AS JSON)", "dynamic")
