"""Tabular operators, one module per family, each registering its translators by SyntaxKind."""

from kqlrules.engine.operators import (  # noqa: F401  (imported to register)
    evaluate,
    external,
    filtering,
    joins,
    mvapply,
    mvexpand,
    nested,
    parse,
    parsekv,
    partition,
    projection,
    sampling,
    scan,
    schema,
    series,
    sources,
    summarize,
    union,
)
from kqlrules.engine.operators.registry import OPERATORS, operator

__all__ = ["OPERATORS", "operator"]
