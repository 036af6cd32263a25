"""partition: the subquery run on each subtable of rows sharing a key, the results' union (in no order).

One subquery per key is a DuckDB LATERAL join over the distinct keys, the subquery's CTEs built in a nested
WITH that reads the outer key, as mv-apply does per row. Only the implicit-source form `( ... )` is
translated; the legacy strategy's limit of 64 keys (an error in Kusto) is refused when the plan runs."""

from __future__ import annotations

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.lateral import nested_plan
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

OUTER = "__kql_key"
INNER = "__kql_part"
LEGACY_LIMIT = 64


@operator("PartitionOperator")
def partition(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    strategy = _strategy(t, node)
    operand = node.get("Operand")
    subquery = operand.get("Subquery") if operand is not None else None
    if operand is None or operand.kind != "PartitionSubquery" or subquery is None:
        raise t.position.unsupported("partition with a subquery of its own source", node)
    key_node = node.get("ByExpression")
    if key_node is None or key_node.kind != "NameReference" or source.column(name_text(key_node)) is None:
        raise t.position.unsupported("partition by an expression", node)
    key = source.column(name_text(key_node))
    assert key is not None
    if key.type == "dynamic":
        raise t.position.unsupported("partition by a dynamic column", key_node)
    quoted = quote_identifier(key.name)
    if strategy == "legacy":
        t.guard(
            node,
            f"SELECT count(DISTINCT {quoted}) > {LEGACY_LIMIT} FROM {source.name}",
            f"partition (legacy strategy) into more than {LEGACY_LIMIT} subtables",
        )
    if key.type != "string":
        t.guard(
            node,
            f"SELECT count(*) FROM {source.name} WHERE {quoted} IS NULL",
            "partition by a null key",
        )
    keys = t.ctes.add(f"SELECT DISTINCT {quoted} FROM {source.name}", [key])

    with nested_plan(t, "partition", subquery, "p"):
        columns = [quote_identifier(c.name) for c in source.columns] + source.order_column()
        subtable = t.ctes.add(
            f"SELECT {', '.join(columns)} FROM {source.name} WHERE {quoted} = {OUTER}.{quoted}",
            source.columns,
            ordered=source.ordered,
            sources=source.sources,
        )
        result = t.tabular(subquery, subtable)
        inner_sql = t.ctes.render(
            f"SELECT {', '.join(quote_identifier(c.name) for c in result.columns) or 'NULL AS __kql_empty'}"
            f" FROM {result.name}"
        )
    parts = [f"{INNER}.{quote_identifier(c.name)}" for c in result.columns] or ["NULL AS __kql_empty"]
    sql = f"SELECT {', '.join(parts)} FROM {keys.name} AS {OUTER}, LATERAL ({inner_sql}) AS {INNER}"
    return t.ctes.add(sql, result.columns, sources=source.sources)


def _strategy(t: Translator, node: Node) -> str:
    strategy = "legacy"
    for parameter in node.elements("Parameters"):
        name_node, value = parameter.get("Name"), parameter.get("Expression")
        name = name_text(name_node) if name_node is not None else ""
        if name == "hint.strategy" and value is not None:
            strategy = t.source(value).strip().lower()
        elif not name.startswith("hint."):
            raise t.position.unsupported(f"partition with {t.source(parameter)}", parameter)
    if strategy not in ("legacy", "native", "shuffle"):
        raise t.position.unsupported(f"partition with hint.strategy={strategy}", node)
    return strategy
