"""Tabular operators, one module per family, each registering its translators by SyntaxKind."""

from kqlrules.engine.operators import (  # noqa: F401  (imported to register)
    activity,
    evaluate,
    external,
    filtering,
    find,
    geo_lookup,
    graph,
    graph_match,
    ipv4_lookup,
    joins,
    mvapply,
    mvexpand,
    narrow,
    nested,
    parse,
    parsekv,
    partition,
    projection,
    render,
    rolling,
    sampling,
    scan,
    schema,
    sequences,
    series,
    sets,
    sources,
    summarize,
    union,
)
from kqlrules.engine.operators.registry import OPERATORS, operator

__all__ = ["OPERATORS", "operator"]
