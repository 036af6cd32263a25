"""`series_fit_poly(y [, x, degree])`: polynomial least squares, made into columns by the core's multi-column
`extend` (operators/projection.py).

The reference documents the fields (rsquare, coefficients from the highest power down, variance, rvariance,
poly_fit), x defaulting to 1..n and degree to 1, and that degree 1 matches `series_fit_line()`: so the
variances follow that function's conventions (sample variances, divided by n - 1).

The fit is solved by Householder QR of the Vandermonde matrix (not the normal equations, whose conditioning
is the square of it: the reference fits degree 8). What the reference does not settle is refused when a row
needs it: non-numeric or null elements, x and y of different lengths, no more points than coefficients, a
constant y (rsquare is 0/0), or a degree that is not a constant between 1 and 16.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.series_fit import RefusedSeries
from kqlrules.engine.functions.support import arity, as_dynamic, fn
from kqlrules.engine.sql import Sql

FIT_POLY_FIELDS = ["rsquare", "coefficients", "variance", "rvariance", "poly_fit"]
MAX_DEGREE = 16


def least_squares(columns: list[list[float]], values: list[float]) -> list[float]:
    """The coefficients c minimising |A c - values| for A given by its columns (Householder QR)."""
    a = [list(column) for column in columns]
    b = list(values)
    n, k = len(b), len(a)
    for j in range(k):
        norm = math.sqrt(math.fsum(a[j][i] ** 2 for i in range(j, n)))
        if norm == 0:
            raise RefusedSeries("a series whose x values cannot determine every coefficient")
        alpha = -norm if a[j][j] >= 0 else norm
        v = [0.0] * j + [a[j][i] for i in range(j, n)]
        v[j] -= alpha
        vv = math.fsum(x * x for x in v[j:])
        for column in [*a[j:], b]:
            scale = 2 * math.fsum(v[i] * column[i] for i in range(j, n)) / vv
            for i in range(j, n):
                column[i] -= scale * v[i]
    coefficients = [0.0] * k
    for j in reversed(range(k)):
        rest = math.fsum(a[m][j] * coefficients[m] for m in range(j + 1, k))
        if a[j][j] == 0 or abs(a[j][j]) < 1e-12 * max(abs(a[m][m]) for m in range(k)):
            raise RefusedSeries("a series whose x values cannot determine every coefficient")
        coefficients[j] = (b[j] - rest) / a[j][j]
    return coefficients


def fit_poly(ys: list[float], xs: list[float], degree: int) -> dict[str, Any]:
    n = len(ys)
    if n <= degree:
        raise RefusedSeries("a series with no more values than coefficients")
    powers = list(range(degree, -1, -1))  # highest power first, as the reference orders the coefficients
    coefficients = least_squares([[x**p for x in xs] for p in powers], ys)
    fitted = [math.fsum(c * x**p for c, p in zip(coefficients, powers, strict=True)) for x in xs]
    mean = math.fsum(ys) / n
    total = math.fsum((y - mean) ** 2 for y in ys)
    if total == 0:
        raise RefusedSeries("a constant series")
    residual = math.fsum((y - f) ** 2 for y, f in zip(ys, fitted, strict=True))
    return {
        "rsquare": 1 - residual / total,
        "coefficients": coefficients,
        "variance": total / (n - 1),
        "rvariance": residual / (n - 1),
        "poly_fit": fitted,
    }


def _numbers(values: Any) -> list[float]:
    if not isinstance(values, list):
        raise RefusedSeries("a value that is not an array")
    numbers: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RefusedSeries("a series with an element that is not a finite number")
        numbers.append(float(value))
    return numbers


def series_fit_poly(y_text: str, x_text: str, degree: int) -> str | None:
    ys_value = json.loads(y_text)
    if ys_value is None:
        return None
    ys = _numbers(ys_value)
    x_value = json.loads(x_text)
    xs = [float(i) for i in range(1, len(ys) + 1)] if x_value is None else _numbers(x_value)
    if len(xs) != len(ys):
        raise RefusedSeries("x and y series of different lengths")
    return json.dumps(fit_poly(ys, xs, degree), separators=(",", ":"))


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_series_fit_poly", series_fit_poly, ["VARCHAR", "VARCHAR", "BIGINT"], "VARCHAR"),
]


@scalar("series_fit_poly")
def series_fit_poly_call(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 3)
    if len(args) == 2:
        raise ctx.unsupported("series_fit_poly() with two arguments (the reference gives y [, x, degree])")
    y = f"CAST({as_dynamic(args[0])} AS VARCHAR)"
    x = "'null'"  # the default x = 1..n (a SQL NULL would make the helper's result null)
    degree = 1
    if len(args) == 3:
        x_arg, degree_arg = args[1], args[2]
        if not (x_arg.constant and x_arg.value is None):
            x = f"CAST({as_dynamic(x_arg)} AS VARCHAR)"
        value = degree_arg.value
        if not degree_arg.constant or not isinstance(value, int) or isinstance(value, bool):
            raise ctx.unsupported("series_fit_poly() with a degree that is not a constant integer")
        degree = value
        if not 1 <= degree <= MAX_DEGREE:
            raise ctx.unsupported(f"series_fit_poly() of degree {degree}")
    return Sql(f"CAST({fn('kql_series_fit_poly', y, x, str(degree))} AS JSON)", "dynamic")
