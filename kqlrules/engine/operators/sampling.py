"""Operators Kusto documents as approximate or random, answered only where their answer is determined:

- `top-hitters N of V [by S]`: documented as `summarize C = count() (or sum(S)) by V | top N by C desc`, which
  is what the plan computes, exactly. Kusto's Count-Min sketch may overestimate counts on large inputs; the
  plan's exact answer is refused when the Nth and the next value tie (which of them is kept is arbitrary).
- `sample N` and `sample-distinct N of C`: random, except when the input has at most N rows (or N distinct
  values), when the answer is all of them (in no order); any other input is refused when the plan runs.
"""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.operators.common import need_input, row_of
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


def _count(t: Translator, node: Node) -> int:
    count_node = node.get("Expression")
    value = t.expr(count_node, Row.empty()) if count_node is not None else None
    number = value.value if value is not None and value.constant else None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise t.position.unsupported(f"{t.source(node).split()[0]} of a count that is not a constant", node)
    return number


def _no_parameters(t: Translator, node: Node) -> None:
    for parameter in node.elements("Parameters"):
        raise t.position.unsupported(f"the parameter {t.source(parameter)}", parameter)


def _refuse_over(t: Translator, node: Node, count_sql: str, limit: int, what: str) -> None:
    t.guard(node, f"SELECT ({count_sql}) > {limit}", what)


@operator("SampleOperator")
def sample(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    limit = _count(t, node)
    if limit > 0:
        _refuse_over(
            t, node, f"SELECT count(*) FROM {source.name}", limit, f"sample {limit} of more than {limit} rows"
        )
    columns = ", ".join(quote_identifier(c.name) for c in source.columns) or "NULL AS __kql_empty"
    where = " WHERE FALSE" if limit == 0 else ""
    return t.ctes.add(f"SELECT {columns} FROM {source.name}{where}", source.columns, sources=source.sources)


@operator("SampleDistinctOperator")
def sample_distinct(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    _no_parameters(t, node)
    limit = _count(t, node)
    of = node.get("OfExpression")
    assert of is not None
    value = t.expr(of, row_of(source))
    output = t.output_columns(node)
    distinct = t.ctes.add(
        f"SELECT DISTINCT {value.text} AS {quote_identifier(output[0].name)} FROM {source.name}", output
    )
    _refuse_over(
        t,
        node,
        f"SELECT count(*) FROM {distinct.name}",
        limit,
        f"sample-distinct {limit} of more than {limit} values",
    )
    return distinct


@operator("TopHittersOperator")
def top_hitters(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    limit = _count(t, node)
    of, by_clause = node.get("OfExpression"), node.get("ByClause")
    assert of is not None
    row = row_of(source)
    value = t.expr(of, row)
    if value.type == "dynamic":
        raise t.position.unsupported("top-hitters of a dynamic value", of)
    output = t.output_columns(node)
    key, measure = (quote_identifier(c.name) for c in output)
    if by_clause is not None:
        summed = by_clause.get("Expression")
        assert summed is not None
        total = t.expr(summed, row)
        if total.type not in ("long", "int", "real", "decimal"):
            raise t.position.unsupported(f"top-hitters by a sum of {total.type}", summed)
        aggregate = f"CAST(sum({total.text}) AS {'DOUBLE' if output[1].type == 'real' else 'BIGINT'})"
    else:
        aggregate = "count(*)"
    grouped = t.ctes.add(
        f"SELECT {value.text} AS {key}, {aggregate} AS {measure} FROM {source.name} GROUP BY 1",
        output,
    )
    rank = f"OVER (ORDER BY {measure} DESC NULLS LAST)"
    t.guard(
        node,
        f"SELECT count(*) FROM (SELECT {measure} AS m, lead({measure}) {rank} AS after, "
        f"row_number() {rank} AS n FROM {grouped.name}) "
        f"WHERE n = {limit} AND m IS NOT DISTINCT FROM after",
        "top-hitters whose last value ties with the next (which is kept is arbitrary)",
    )
    return t.ctes.add(
        f"SELECT {key}, {measure}, row_number() OVER (ORDER BY {measure} DESC NULLS LAST) AS {ORDER} "
        f"FROM {grouped.name} ORDER BY {measure} DESC NULLS LAST LIMIT {limit}",
        output,
        ordered=True,
    )
