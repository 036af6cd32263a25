"""mv-apply: each input row expanded into a subtable (mv-expand, order kept), the subquery applied to each
subtable, the results joined back to the row's other columns.

One subquery per row is a DuckDB LATERAL join: the subquery's CTEs are built in a nested WITH that reads
the outer row, so every operator of the subquery (summarize, top, take...) works per row as written."""

from __future__ import annotations

from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.lateral import nested_plan
from kqlrules.engine.operators.mvexpand import expand, expansion_options, expansions_of
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node
from kqlrules.table import Column

OUTER = "__kql_outer"
INNER = "__kql_inner"


def _leftmost(node: Node) -> Node:
    while node.kind in ("PipeExpression", "ParenthesizedExpression", "MvApplySubqueryExpression"):
        inner = node.get("Expression")
        if inner is None:
            break
        node = inner
    return node


def _subtable_columns(
    source: Relation, expanded: list[tuple[str, str]], index_name: str | None
) -> list[Column]:
    """The subtable's schema as the analyzer has it: an expanded column keeps its place, new ones follow."""
    types = dict(expanded)
    columns = [Column(c.name, types.pop(c.name, c.type)) for c in source.columns]
    columns += [Column(name, kusto_type) for name, kusto_type in types.items()]
    if index_name is not None:
        columns.append(Column(index_name, "long"))
    return columns


@operator("MvApplyOperator")
def mv_apply(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    subquery = node.get("Subquery")
    if subquery is None:
        raise t.position.unsupported("mv-apply without a subquery", node)
    bag_kind, index_name = expansion_options(t, node)
    output = t.output_columns(node)
    first = _leftmost(subquery)
    naming = [Column(n, ty) for n, ty in (first.columns or [])] or output
    expansions = expansions_of(t, node, source, naming, index_name)
    subtable = _subtable_columns(source, [(e.name, e.target) for e in expansions], index_name)

    with nested_plan(t, "mv-apply", subquery, "s"):
        # The outer row, as a one-row relation the expansion reads; ordered so that the subtable keeps the
        # array's order (`take 1` is the first element, as in Kusto).
        names = [quote_identifier(c.name) for c in source.columns]
        row_sql = ", ".join(f"{OUTER}.{n} AS {n}" for n in names)
        one_row = t.ctes.add(
            f"SELECT {row_sql}{', ' if row_sql else ''}0 AS {ORDER}", source.columns, ordered=True
        )
        expanded = expand(t, node, one_row, expansions, subtable, index_name, bag_kind)
        result = t.tabular(subquery.get("Expression") or subquery, expanded)
        inner_sql = t.ctes.render(
            f"SELECT {', '.join([quote_identifier(c.name) for c in result.columns] + result.order_column())}"
            f" FROM {result.name}"
        )
    inner_names = {c.name for c in result.columns}
    parts = []
    for column in output:
        name = quote_identifier(column.name)
        parts.append(f"{INNER if column.name in inner_names else OUTER}.{name} AS {name}")
    if source.ordered:
        order = [f"{OUTER}.{ORDER}"] + ([f"{INNER}.{ORDER}"] if result.ordered else [])
        parts.append(f"row_number() OVER (ORDER BY {', '.join(order)}) AS {ORDER}")
    sql = f"SELECT {', '.join(parts)} FROM {source.name} AS {OUTER}, LATERAL ({inner_sql}) AS {INNER}"
    return t.ctes.add(sql, output, ordered=source.ordered, sources=source.sources)
