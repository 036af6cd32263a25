"""top-nested: per level, the top N values of a key (within each value of the levels above) by an aggregate;
`desc` by default. `with others` is not supported."""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.operators.common import cast_to, need_input, row_of
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


def _unwrap(node: Node) -> Node:
    if node.kind == "SimpleNamedExpression":
        inner = node.get("Expression")
        assert inner is not None
        return inner
    return node


@operator("TopNestedOperator")
def top_nested(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    clauses = node.elements("Clauses")
    output = t.output_columns(node)
    if len(output) != 2 * len(clauses):
        raise t.position.unsupported("top-nested with others", node)
    row = row_of(source)
    agg_row = Row(dict(row.columns), aggregates=True)
    keys: list[tuple[str, str]] = []  # (SQL over the source, output name) of the levels so far
    levels: list[Relation] = []
    for index, clause in enumerate(clauses):
        count_node, of_node, by_node = (
            clause.get("Expression"),
            clause.get("OfExpression"),
            clause.get("ByExpression"),
        )
        if of_node is None or by_node is None:
            raise t.position.unsupported("top-nested without a key and an aggregate", clause)
        if clause.get("WithOthers") is not None or "others" in t.source(clause).lower():
            raise t.position.unsupported("top-nested with others", clause)
        descending = True
        if by_node.kind == "OrderedExpression":
            ordering = by_node.get("Ordering")
            descending = not (ordering is not None and "asc" in t.source(ordering).lower())
            inner = by_node.get("Expression")
            assert inner is not None
            by_node = inner
        key_column, agg_column = output[2 * index], output[2 * index + 1]
        key = t.expr(_unwrap(of_node), row)
        aggregate = t.expr(_unwrap(by_node), agg_row)
        # Without a count, a level keeps every value.
        limit = ""
        if count_node is not None:
            limit = f" QUALIFY row_number() OVER ({{over}}) <= {t.expr(count_node, Row.empty()).text}"
        keys.append((cast_to(key, key_column.type), key_column.name))
        group = [f"{sql} AS {quote_identifier(name)}" for sql, name in keys]
        partition = ", ".join(quote_identifier(name) for _, name in keys[:-1])
        over = (f"PARTITION BY {partition} " if partition else "") + (
            f"ORDER BY {quote_identifier(agg_column.name)} {'DESC' if descending else 'ASC'} NULLS LAST"
        )
        sql = (
            f"SELECT {', '.join(group)}, {aggregate.text} AS {quote_identifier(agg_column.name)} "
            f"FROM {source.name} GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}"
            + limit.format(over=over)
        )
        levels.append(t.ctes.add(sql, output[: 2 * index + 2]))
    # Each level ranks within every value of the keys above; joining the levels keeps the values that
    # survived every level, with each level's aggregate.
    last = levels[-1]
    parts = []
    joins = []
    for index, level in enumerate(levels):
        alias = f"n{index}"
        key_name = output[2 * index].name
        agg_name = output[2 * index + 1].name
        parts.append(f"{alias}.{quote_identifier(key_name)}")
        parts.append(f"{alias}.{quote_identifier(agg_name)}")
        if level is not last:
            on = " AND ".join(
                f"{alias}.{quote_identifier(output[2 * j].name)} IS NOT DISTINCT FROM "
                f"n{len(levels) - 1}.{quote_identifier(output[2 * j].name)}"
                for j in range(index + 1)
            )
            joins.append(f"JOIN {level.name} AS {alias} ON {on}")
    sql = f"SELECT {', '.join(parts)} FROM {last.name} AS n{len(levels) - 1} {' '.join(joins)}"
    return t.ctes.add(sql, output)
