"""Scalar functions, binary operators and aggregates, registered by family."""

from kqlrules.engine.functions import (  # noqa: F401  (each module registers its translators)
    addresses,
    aggregates,
    conditional,
    conversions,
    datetimes,
    distributions,
    dynamic,
    filters,
    geo,
    numeric,
    operators,
    punycode,
    schemas,
    series_fit,
    series_fit_poly,
    strings,
    text_operators,
    typenames,
    units,
    versions,
)
from kqlrules.engine.functions.registry import (
    AGGREGATES,
    BINARY_OPERATORS,
    SCALARS,
    Call,
    SqlList,
    SqlSubquery,
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
    "SqlList",
    "SqlSubquery",
    "TranslationContext",
    "aggregate",
    "binary",
    "scalar",
]
