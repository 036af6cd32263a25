"""dcount_intersect: per row, the distinct counts of S1, S1 ∩ S2, ..., S1 ∩ ... ∩ Sn of its `hll()` columns.

The engine's `hll()` value is the exact set (a JSON array of the distinct values), so the counts are exact,
as the engine's `dcount()` and `dcount_hll()` are."""

from __future__ import annotations

from kqlrules.engine.operators.activity import positional
from kqlrules.engine.operators.common import row_of
from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


@plugin("dcount_intersect")
def dcount_intersect(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = positional(t, call, 2)
    if len(args) > 16:
        raise t.position.unsupported("dcount_intersect of more than 16 sets", call)
    row = row_of(source)
    sets = []
    for arg in args:
        value = t.expr(arg, row)
        if value.type != "dynamic":
            raise t.position.unsupported(f"dcount_intersect of a {value.type}", arg)
        sets.append(f"list_distinct(coalesce(CAST({value.text} AS JSON[]), []))")
    output = t.output_columns(node)
    inputs = [quote_identifier(c.name) for c in source.columns]
    if [c.name for c in output[: len(inputs)]] != [c.name for c in source.columns]:
        raise t.position.unsupported("dcount_intersect with these columns", node)
    parts = list(inputs)
    common = sets[0]
    for index, column in enumerate(output[len(inputs) :]):
        if index > 0:
            common = f"list_intersect({common}, {sets[index]})"
        parts.append(f"CAST(len({common}) AS BIGINT) AS {quote_identifier(column.name)}")
    parts += source.order_column()
    return t.ctes.add(
        f"SELECT {', '.join(parts)} FROM {source.name}",
        output,
        ordered=source.ordered,
        sources=source.sources,
    )
