"""find: the rows of several tables that match a predicate, with a column naming each row's table.

The reference (learn.microsoft.com/kusto/query/find-operator): `find [withsource=Name] in (T1, T2, ...)
where Predicate [project c1, c2, ...]`; the source column (`source_` unless named) holds the table's name.
Supported: named tables given `in (...)`, a predicate every table's columns answer, and an output the
analyzer gives without `pack_` (an explicit `project`, or `project-smart` over tables whose columns are all
listed); a projected column a table lacks is null in that table's rows. Refused: find over the whole
database (no `in`), a predicate naming a column some table lacks, and the `pack_`/`pack_all()` column whose
content rules the engine does not reproduce.
"""

from __future__ import annotations

from kqlrules.engine.errors import KqlEngineError
from kqlrules.engine.operators.common import row_of
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node


@operator("FindOperator")
def find(t: Translator, node: Node, source: Relation | None) -> Relation:
    if source is not None:
        raise t.position.unsupported("find after another operator", node)
    in_clause, condition = node.get("InClause"), node.get("Condition")
    if in_clause is None or condition is None:
        raise t.position.unsupported("find without in (tables) ... where", node)
    output = t.output_columns(node)
    if any(c.name in ("pack_", "pack_all") for c in output) or "pack_all" in t.source(node):
        raise t.position.unsupported("find whose result packs the other columns (pack_)", node)
    selects = []
    for expression in in_clause.elements("Expressions"):
        if expression.kind != "NameReference":
            raise t.position.unsupported("find in a table that is not named", expression)
        table = t.tabular(expression)
        try:
            test = t.expr(condition, row_of(table))
        except KqlEngineError:
            unanswered = "find with a predicate some table's columns do not answer"
            raise t.position.unsupported(unanswered, node) from None
        if test.window:
            raise t.position.unsupported("find with a predicate on row order", condition)
        columns = {c.name: c for c in table.columns}
        parts = [f"{quote_string(t.source(expression).strip())} AS {quote_identifier(output[0].name)}"]
        for out in output[1:]:
            found = columns.get(out.name)
            if found is not None and found.type != out.type:
                raise t.position.unsupported(f"find of a column {out.name} of several types", node)
            if found is not None:
                value = quote_identifier(out.name)
            elif out.type == "string":
                value = "''"
            else:
                value = f"CAST(NULL AS {DUCKDB_TYPES.get(out.type, 'VARCHAR')})"
            parts.append(f"{value} AS {quote_identifier(out.name)}")
        selects.append(f"SELECT {', '.join(parts)} FROM {table.name} WHERE {test.text}")
    return t.ctes.add(" UNION ALL ".join(selects), output)
