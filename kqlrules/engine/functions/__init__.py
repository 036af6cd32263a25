"""Scalar functions, binary operators and aggregates, registered by family."""

from kqlrules.engine.functions.registry import (
    AGGREGATES,
    BINARY_OPERATORS,
    SCALARS,
    Call,
    TranslationContext,
    aggregate,
    binary,
    scalar,
)

__all__ = [
    "AGGREGATES",
    "BINARY_OPERATORS",
    "SCALARS",
    "Call",
    "TranslationContext",
    "aggregate",
    "binary",
    "scalar",
]
