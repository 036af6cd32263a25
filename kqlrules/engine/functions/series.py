"""The `series_*` functions on dynamic numeric arrays (element-wise maths, fills, summaries), in pure Python
on JSON text. An element that is not a number gives null; two arrays of different lengths give a result as
long as the longer, with nulls where one side has no element.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.support import NON_FINITE_IN_DYNAMIC, Refusal

Number = int | float


def _load(text: str) -> Any:
    return json.loads(text)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _number(value: Any) -> Number | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _finite(value: Any) -> Any:
    """Kusto keeps NaN and infinities inside a series (series-divide-function.md: "2/0 yields double(+inf)");
    JSON has no form for them, so such an element stops the query with a refusal, never a null."""
    if isinstance(value, float) and not math.isfinite(value):
        raise Refusal(NON_FINITE_IN_DYNAMIC)
    return value


def _element(source: Any, index: int) -> Any:
    if isinstance(source, list):
        return source[index] if index < len(source) else None
    return source


def _binary(function: Callable[[Number, Number], Any]) -> Callable[[str, str], str | None]:
    def apply(left_text: str, right_text: str) -> str | None:
        left, right = _load(left_text), _load(right_text)
        lengths = [len(side) for side in (left, right) if isinstance(side, list)]
        if not lengths:
            return None
        out = []
        for i in range(max(lengths)):
            a, b = _number(_element(left, i)), _number(_element(right, i))
            out.append(None if a is None or b is None else _finite(function(a, b)))
        return _dump(out)

    return apply


def ieee_pow(base: Number, exponent: Number) -> float:
    """pow() as .NET's Math.Pow (IEEE 754): a negative base to a fractional power is NaN, zero to a negative
    power is an infinity, an overflow is an infinity. Python's `**` gives complex numbers or raises there."""
    base, exponent = float(base), float(exponent)
    try:
        return math.pow(base, exponent)
    except OverflowError:
        odd = exponent.is_integer() and int(exponent) % 2 == 1
        return -math.inf if base < 0 and odd else math.inf
    except ValueError:
        if base == 0 and exponent < 0:
            odd = exponent.is_integer() and int(exponent) % 2 == 1
            return math.copysign(math.inf, base) if odd else math.inf
        return math.nan


def _divide(a: Number, b: Number) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a)
    return a / b


BINARY = {
    "series_add": _binary(operator.add),
    "series_subtract": _binary(operator.sub),
    "series_multiply": _binary(operator.mul),
    "series_divide": _binary(_divide),
    "series_pow": _binary(lambda a, b: ieee_pow(a, b)),
    "series_greater": _binary(operator.gt),
    "series_greater_equals": _binary(operator.ge),
    "series_less": _binary(operator.lt),
    "series_less_equals": _binary(operator.le),
    "series_equals": _binary(operator.eq),
    "series_not_equals": _binary(operator.ne),
}


def _sign(value: Number) -> int:
    return (value > 0) - (value < 0)


def _unary(function: Callable[[Number], Any]) -> Callable[[str], str | None]:
    def apply(text: str) -> str | None:
        values = _load(text)
        if not isinstance(values, list):
            return None
        out = []
        for value in values:
            number = _number(value)
            out.append(None if number is None else _finite(_ieee(function, number)))
        return _dump(out)

    return apply


def _ieee(function: Callable[[Number], Any], value: Number) -> Any:
    """Python raises where IEEE 754 (and so .NET's Math) gives NaN (acos(2)) or an infinity (exp(1000))."""
    try:
        return function(value)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def _log(value: Number) -> float:
    return math.log(value) if value > 0 else (-math.inf if value == 0 else math.nan)


UNARY = {
    "series_abs": _unary(abs),
    "series_sign": _unary(_sign),
    "series_exp": _unary(math.exp),
    "series_log": _unary(_log),
    "series_floor": _unary(lambda v: float(math.floor(v))),
    "series_ceiling": _unary(lambda v: float(math.ceil(v))),
    "series_cos": _unary(math.cos),
    "series_sin": _unary(math.sin),
    "series_tan": _unary(math.tan),
    "series_acos": _unary(math.acos),
    "series_asin": _unary(math.asin),
    "series_atan": _unary(math.atan),
}


def _numbers(text: str) -> list[Number] | None:
    values = _load(text)
    if not isinstance(values, list):
        return None
    return [n for n in (_number(v) for v in values) if n is not None]


def series_sum(text: str) -> float | None:
    numbers = _numbers(text)
    return None if numbers is None else float(sum(numbers))


def series_product(text: str) -> float | None:
    numbers = _numbers(text)
    return None if numbers is None else float(math.prod(numbers))


def series_stats_dynamic(text: str) -> str | None:
    values = _load(text)
    if not isinstance(values, list):
        return None
    indexed = [(i, n) for i, n in enumerate(_number(v) for v in values) if n is not None]
    if not indexed:
        return None
    numbers = [n for _, n in indexed]
    low = min(indexed, key=lambda p: p[1])
    high = max(indexed, key=lambda p: p[1])
    average = sum(numbers) / len(numbers)
    variance = sum((n - average) ** 2 for n in numbers) / (len(numbers) - 1) if len(numbers) > 1 else 0.0
    stats = {
        "min": float(low[1]),
        "min_idx": low[0],
        "max": float(high[1]),
        "max_idx": high[0],
        "avg": average,
        "stdev": math.sqrt(variance),
        "variance": variance,
        "sum": float(sum(numbers)),
        "len": len(values),
    }
    return _dump(stats)


def series_dot_product(left: str, right: str) -> float | None:
    products = _load(BINARY["series_multiply"](left, right) or "null")
    if products is None:
        return None
    return float(sum(p for p in products if p is not None))


def series_cosine_similarity(left: str, right: str) -> float | None:
    a, b = _numbers(left), _numbers(right)
    if a is None or b is None or len(a) != len(b):
        return None
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else None


def series_magnitude(text: str) -> float | None:
    """The square root of the series' dot product with itself."""
    total = series_dot_product(text, text)
    return None if total is None else math.sqrt(total)


def series_pearson_correlation(left: str, right: str) -> float | None:
    """Null for a non-numeric element or arrays of different lengths, as documented; a series without
    variance has no documented answer and stops the query."""
    a, b = _load(left), _load(right)
    if not isinstance(a, list) or not isinstance(b, list) or len(a) != len(b):
        return None
    x, y = [_number(v) for v in a], [_number(v) for v in b]
    if any(v is None for v in x + y) or not x:
        return None
    xs, ys = [float(v) for v in x if v is not None], [float(v) for v in y if v is not None]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    dx, dy = [v - mean_x for v in xs], [v - mean_y for v in ys]
    spread = math.sqrt(sum(v * v for v in dx) * sum(v * v for v in dy))
    if spread == 0:
        raise Refusal("series_pearson_correlation() of a series without variance is not documented")
    return sum(p * q for p, q in zip(dx, dy, strict=True)) / spread


def series_fill_linear(text: str, missing: str, fill_edges: bool, constant: str) -> str | None:
    """Missing values interpolated along the index between their nearest present neighbours; the edges take
    the nearest present value (unless `fill_edges` is false); an array with no present value is filled with
    `constant`. An array of integers gets its interpolations truncated (the reference shows 73.5 as 73); a
    negative fractional one stops the query (truncation and rounding down differ there)."""
    values = _load(text)
    if not isinstance(values, list):
        return None
    placeholder, fill = _load(missing), _load(constant)

    def is_missing(value: Any) -> bool:
        return value is None if placeholder is None else value == placeholder

    present = [i for i, v in enumerate(values) if not is_missing(v)]
    if not present:
        return _dump([None if fill is None else float(fill) for _ in values])
    if any(_number(values[i]) is None for i in present):
        raise Refusal("series_fill_linear() of an array holding an element that is not a number")
    integral = all(isinstance(values[i], int) and not isinstance(values[i], bool) for i in present)
    out = list(values)
    for left, right in itertools.pairwise(present):
        for i in range(left + 1, right):
            share = (i - left) / (right - left)
            value = values[left] + (values[right] - values[left]) * share
            if integral:
                if value < 0 and not float(value).is_integer():
                    raise Refusal("series_fill_linear() of integers interpolating a negative fraction")
                value = int(value)
            out[i] = value
    if fill_edges:
        for i in range(present[0]):
            out[i] = values[present[0]]
        for i in range(present[-1] + 1, len(values)):
            out[i] = values[present[-1]]
    return _dump(out)


def _fill(values: list[Any], missing: Any, forward: bool) -> list[Any]:
    order = range(len(values)) if forward else range(len(values) - 1, -1, -1)
    out = list(values)
    last = None
    for i in order:
        if out[i] == missing or (missing is None and out[i] is None):
            out[i] = last
        else:
            last = out[i]
    return out


def series_fill_backward(text: str, missing: str) -> str | None:
    values = _load(text)
    return None if not isinstance(values, list) else _dump(_fill(values, _load(missing), forward=False))


def series_fill_forward(text: str, missing: str) -> str | None:
    values = _load(text)
    return None if not isinstance(values, list) else _dump(_fill(values, _load(missing), forward=True))


def series_fill_const(text: str, constant: str, missing: str) -> str | None:
    values, fill, placeholder = _load(text), _load(constant), _load(missing)
    if not isinstance(values, list):
        return None
    return _dump([fill if (v is None if placeholder is None else v == placeholder) else v for v in values])


_T, _D = "VARCHAR", "DOUBLE"


def weighted_rank(values: list[float], weights: list[int], fraction: float) -> float | None:
    """The value at rank ceil(fraction * total weight) (at least 1) of values sorted ascending."""
    total = sum(weights)
    if not values or total <= 0:
        return None
    rank = max(math.ceil(fraction * total), 1)
    running = 0
    for value, weight in zip(values, weights, strict=True):
        running += weight
        if running >= rank:
            return value
    return values[-1]


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    *((f"kql_{name}", function, [_T, _T], _T) for name, function in BINARY.items()),
    *((f"kql_{name}", function, [_T], _T) for name, function in UNARY.items()),
    ("kql_series_sum", series_sum, [_T], _D),
    ("kql_series_product", series_product, [_T], _D),
    ("kql_series_stats_dynamic", series_stats_dynamic, [_T], _T),
    ("kql_series_dot_product", series_dot_product, [_T, _T], _D),
    ("kql_series_cosine_similarity", series_cosine_similarity, [_T, _T], _D),
    ("kql_series_fill_backward", series_fill_backward, [_T, _T], _T),
    ("kql_series_fill_forward", series_fill_forward, [_T, _T], _T),
    ("kql_series_fill_const", series_fill_const, [_T, _T, _T], _T),
    ("kql_series_fill_linear", series_fill_linear, [_T, _T, "BOOLEAN", _T], _T),
    ("kql_series_magnitude", series_magnitude, [_T], _D),
    ("kql_series_pearson_correlation", series_pearson_correlation, [_T, _T], _D),
    ("kql_weighted_rank", weighted_rank, ["DOUBLE[]", "BIGINT[]", _D], _D),
]
