"""narrow: each cell of the input as a row (Row, Column, Value as a string), rows in order, columns in order.

`Row` is the 0-based position of the input row, so the input must be serialized (or have at most one row).
The docs show values in .NET's own text forms (`True`, `2017-03-14 10:59:18.9263023`), which differ from
`tostring()`: only string, long, int and guid columns, whose text is not in doubt, are translated."""

from __future__ import annotations

from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

_TEXT = {"string": "{}", "long": "CAST({} AS VARCHAR)", "int": "CAST({} AS VARCHAR)", "guid": "{}"}


@plugin("narrow")
def narrow(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    if call.arguments():
        raise t.position.unsupported("narrow() with arguments", call)
    for column in source.columns:
        if column.type not in _TEXT:
            raise t.position.unsupported(f"narrow() of a {column.type} column (its text form)", node)
    if not source.columns:
        raise t.position.unsupported("narrow() of a table without columns", node)
    output = t.output_columns(node)
    if source.ordered:
        numbered = t.ctes.add(
            f"SELECT *, row_number() OVER (ORDER BY {ORDER}) - 1 AS __row FROM {source.name}", source.columns
        )
    else:
        t.guard(
            node,
            f"SELECT count(*) > 1 FROM {source.name}",
            "narrow() of several rows in no defined order (sort or serialize first)",
        )
        numbered = t.ctes.add(f"SELECT *, 0 AS __row FROM {source.name}", source.columns)
    selects = []
    for index, column in enumerate(source.columns):
        text = _TEXT[column.type].format(quote_identifier(column.name))
        selects.append(
            f"SELECT CAST(__row AS BIGINT) AS {quote_identifier(output[0].name)}, "
            f"{quote_string(column.name)} AS {quote_identifier(output[1].name)}, "
            f"coalesce({text}, '') AS {quote_identifier(output[2].name)}, "
            f"__row * {len(source.columns)} + {index} AS {ORDER} FROM {numbered.name}"
        )
    return t.ctes.add(" UNION ALL ".join(selects), output, ordered=True)
