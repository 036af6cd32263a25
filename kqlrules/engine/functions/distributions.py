"""The error function and the beta distribution: `erf`, `erfc`, `beta_cdf`, `beta_pdf`, `beta_inv`; and
`welch_test()`, the two-tailed p-value of Welch's t-test (Student's t distribution, through the regularized
incomplete beta function), which the reference checks against Wikipedia's first example (p = 0.021).

Out-of-domain arguments give NaN where the reference says so. `beta_inv()`'s page contradicts itself (its
notes say an alpha <= 0 gives null and a probability > 1 NaN, its example shows the opposite): such arguments
stop the query.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import Refusal, arity, as_real, fn
from kqlrules.engine.sql import Sql

_MAX_SHAPE = 10000.0
_TINY = 1e-300


def _continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the regularized incomplete beta function (modified Lentz)."""

    def guarded(value: float) -> float:
        return _TINY if abs(value) < _TINY else value

    c, d = 1.0, 1.0 / guarded(1.0 - (a + b) * x / (a + 1.0))
    result = d
    for m in range(1, 100_000):
        step = m * (b - m) * x / ((a - 1.0 + 2 * m) * (a + 2 * m))
        d = 1.0 / guarded(1.0 + step * d)
        c = guarded(1.0 + step / c)
        result *= d * c
        step = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1.0 + 2 * m))
        d = 1.0 / guarded(1.0 + step * d)
        c = guarded(1.0 + step / c)
        result *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return result


def _regularized_beta(x: float, a: float, b: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(x, a, b) / a
    return 1.0 - front * _continued_fraction(1.0 - x, b, a) / b


def beta_cdf(x: float, alpha: float, beta: float) -> float:
    if not 0.0 <= x <= 1.0 or not 0.0 < alpha <= _MAX_SHAPE or not 0.0 < beta <= _MAX_SHAPE:
        return math.nan
    return _regularized_beta(x, alpha, beta)


def beta_pdf(x: float, alpha: float, beta: float) -> float:
    if not 0.0 < x < 1.0 or alpha <= 0.0 or beta <= 0.0:
        return math.nan
    log_density = (
        (alpha - 1.0) * math.log(x)
        + (beta - 1.0) * math.log1p(-x)
        + math.lgamma(alpha + beta)
        - math.lgamma(alpha)
        - math.lgamma(beta)
    )
    return math.exp(log_density)


def beta_inv(probability: float, alpha: float, beta: float) -> float:
    """The x with beta_cdf(x) = probability, by bisection to the last bit of a double."""
    if alpha <= 0.0 or beta <= 0.0 or not 0.0 < probability <= 1.0:
        raise Refusal(
            "beta_inv() of a shape <= 0 or a probability outside (0, 1]: its page contradicts itself"
        )
    if alpha > _MAX_SHAPE or beta > _MAX_SHAPE:
        raise Refusal("beta_inv() of a shape above 10000 is not documented")
    low, high = 0.0, 1.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if _regularized_beta(middle, alpha, beta) < probability:
            low = middle
        else:
            high = middle
    return high if probability == 1.0 else low


def erf(x: float) -> float:
    return math.erf(x)


def erfc(x: float) -> float:
    return math.erfc(x)


def welch_test(
    mean1: float, variance1: float, count1: float, mean2: float, variance2: float, count2: float
) -> float:
    if not (count1 > 1 and count2 > 1 and variance1 > 0 and variance2 > 0):
        # Samples too small or without spread: the reference does not say what Kusto answers.
        raise RefusedAtRunTime("welch_test() of counts below 2 or variances that are not positive")
    error1, error2 = variance1 / count1, variance2 / count2
    t = (mean1 - mean2) / math.sqrt(error1 + error2)
    freedom = (error1 + error2) ** 2 / (error1**2 / (count1 - 1) + error2**2 / (count2 - 1))
    return _regularized_beta(freedom / (freedom + t * t), freedom / 2, 0.5)


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "erf": erf,
    "erfc": erfc,
    "beta_cdf": beta_cdf,
    "beta_pdf": beta_pdf,
    "beta_inv": beta_inv,
    "welch_test": welch_test,
}
_ARITY = {"erf": 1, "erfc": 1, "welch_test": 6}


def as_text(function: Callable[..., float]) -> Callable[..., str]:
    """DuckDB turns a NaN returned by a Python function into NULL: the value travels as its exact text."""

    @functools.wraps(function)
    def call(*args: float) -> str:
        return repr(function(*args))

    return call


@scalar(*_FUNCTIONS)
def distribution(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, _ARITY.get(call.name, 3))
    return Sql(f"CAST({fn(f'kql_{call.name}', *(as_real(a) for a in args))} AS DOUBLE)", "real")


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    (f"kql_{name}", as_text(function), ["DOUBLE"] * _ARITY.get(name, 3), "VARCHAR")
    for name, function in _FUNCTIONS.items()
]
