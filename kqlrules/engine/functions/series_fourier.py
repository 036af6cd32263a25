"""`series_fft(x_real [, x_imaginary])` and `series_ifft(...)`: the discrete Fourier transform of a complex
series, each made into two columns (real, imaginary) by the core's multi-column `extend`.

The reference gives the forward transform as the (unscaled) FFT and the inverse as its exact inverse (its
example round-trips a series), so the inverse carries the 1/n factor. It shows series of power-of-two length
only; other lengths (which an FFT may pad), elements that are not finite numbers and real and imaginary
parts of different lengths are refused when a row needs them.
"""

from __future__ import annotations

import cmath
import json
import math
from collections.abc import Callable
from typing import Any

from kqlrules.engine.errors import RefusedAtRunTime
from kqlrules.engine.functions.registry import Call, TranslationContext, scalar
from kqlrules.engine.functions.support import arity, as_dynamic, fn
from kqlrules.engine.sql import Sql

FOURIER_FIELDS = ["real", "imaginary"]


class RefusedTransform(RefusedAtRunTime):
    def __init__(self, what: str) -> None:
        super().__init__(f"series_fft()/series_ifft() of {what}")


def fft(values: list[complex], inverse: bool = False) -> list[complex]:
    """Radix-2 Cooley-Tukey, unscaled; `inverse` flips the sign of the exponent."""
    n = len(values)
    if n == 1:
        return list(values)
    even = fft(values[0::2], inverse)
    odd = fft(values[1::2], inverse)
    sign = 1 if inverse else -1
    twiddled = [cmath.exp(sign * 2j * math.pi * k / n) * odd[k] for k in range(n // 2)]
    return [even[k] + twiddled[k] for k in range(n // 2)] + [even[k] - twiddled[k] for k in range(n // 2)]


def _numbers(text: str) -> list[float]:
    values = json.loads(text)
    if not isinstance(values, list):
        raise RefusedTransform("a value that is not an array")
    numbers: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RefusedTransform("a series with an element that is not a finite number")
        numbers.append(float(value))
    return numbers


def transform(real_text: str, imaginary_text: str, inverse: bool) -> str:
    real = _numbers(real_text)
    imaginary = [0.0] * len(real) if imaginary_text == "null" else _numbers(imaginary_text)
    n = len(real)
    if len(imaginary) != n:
        raise RefusedTransform("real and imaginary parts of different lengths")
    if n == 0 or n & (n - 1):
        raise RefusedTransform(f"a series of {n} elements (not a power of two)")
    result = fft([complex(r, i) for r, i in zip(real, imaginary, strict=True)], inverse)
    if inverse:
        result = [value / n for value in result]
    bag = {"real": [v.real for v in result], "imaginary": [v.imag for v in result]}
    return json.dumps(bag, separators=(",", ":"))


def series_fft(real: str, imaginary: str) -> str:
    return transform(real, imaginary, inverse=False)


def series_ifft(real: str, imaginary: str) -> str:
    return transform(real, imaginary, inverse=True)


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_series_fft", series_fft, ["VARCHAR", "VARCHAR"], "VARCHAR"),
    ("kql_series_ifft", series_ifft, ["VARCHAR", "VARCHAR"], "VARCHAR"),
]


@scalar("series_fft", "series_ifft")
def series_fourier(ctx: TranslationContext, call: Call) -> Sql:
    args = arity(ctx, call, 1, 2)
    real = f"CAST({as_dynamic(args[0])} AS VARCHAR)"
    # A missing imaginary part is zero; 'null' stands for it (a SQL NULL would make the result null).
    imaginary = f"CAST({as_dynamic(args[1])} AS VARCHAR)" if len(args) == 2 else "'null'"
    return Sql(f"CAST({fn(f'kql_{call.name}', real, imaginary)} AS JSON)", "dynamic")
