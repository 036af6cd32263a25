"""Signal filters on dynamic numeric arrays: `series_iir()` and `series_seasonal()` with a given period.

Each takes and returns JSON text. An element that is not a number stops the query: the reference describes
numeric arrays only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import NON_FINITE_IN_DYNAMIC, Refusal, arity, as_dynamic, as_long
from kqlrules.engine.sql import Sql


def _numbers(text: str, what: str) -> list[float] | None:
    values = json.loads(text)
    if not isinstance(values, list):
        return None
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise Refusal(f"{what} holds an element that is not a number")
    return [float(v) for v in values]


def _dump(values: list[float]) -> str:
    # A filter that diverges gives infinities, which Kusto keeps and JSON cannot hold: refused, not nulled.
    if not all(math.isfinite(v) for v in values):
        raise Refusal(NON_FINITE_IN_DYNAMIC)
    return json.dumps(values, separators=(",", ":"))


def series_iir(series: str, numerators: str, denominators: str) -> str | None:
    """Y[i] = (b0*X[i] + b1*X[i-1] + ... - a1*Y[i-1] - a2*Y[i-2] - ...) / a0, nothing before the start."""
    x = _numbers(series, "series_iir()'s series")
    b = _numbers(numerators, "series_iir()'s numerators")
    a = _numbers(denominators, "series_iir()'s denominators")
    if x is None or b is None or a is None:
        return None
    if not a or a[0] == 0 or not b:
        raise Refusal("series_iir() needs numerators and a first denominator that is not zero")
    y: list[float] = []
    for i in range(len(x)):
        total = sum(b[j] * x[i - j] for j in range(len(b)) if i - j >= 0)
        total -= sum(a[j] * y[i - j] for j in range(1, len(a)) if i - j >= 0)
        y.append(total / a[0])
    return _dump(y)


def series_seasonal(series: str, period: int) -> str | None:
    """Each bin's value is the median of the bins at its position in every period."""
    x = _numbers(series, "series_seasonal()'s series")
    if x is None:
        return None
    medians = [_median(x[offset::period]) for offset in range(period)]
    return _dump([medians[i % period] for i in range(len(x))])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 0 and ordered[middle - 1] != ordered[middle]:
        raise Refusal("series_seasonal(): the median of an even count of values is not documented")
    return ordered[middle]


def _text(value: Sql) -> str:
    return f"CAST({as_dynamic(value)} AS VARCHAR)"


@scalar("series_iir")
def series_iir_call(ctx: TranslationContext, call: Call) -> Sql:
    series, numerators, denominators = arity(ctx, call, 3)
    text = f"kql_series_iir({_text(series)}, {_text(numerators)}, {_text(denominators)})"
    return Sql(f"CAST({text} AS JSON)", "dynamic")


@scalar("series_seasonal")
def series_seasonal_call(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    period = args[1] if len(args) == 2 else None
    if period is None or not period.constant or not isinstance(period.value, int) or period.value <= 0:
        # The default (-1) detects the period with series_periods_detect(), whose algorithm is not documented.
        raise ctx.unsupported("series_seasonal() without a positive constant period")
    return Sql(f"CAST(kql_series_seasonal({_text(args[0])}, {as_long(period)}) AS JSON)", "dynamic")


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_series_iir", series_iir, ["VARCHAR", "VARCHAR", "VARCHAR"], "VARCHAR"),
    ("kql_series_seasonal", series_seasonal, ["VARCHAR", "BIGINT"], "VARCHAR"),
]
