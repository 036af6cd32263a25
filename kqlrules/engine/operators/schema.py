"""getschema: one row per input column, its name, 0-based ordinal, .NET type and Kusto type, as the getschema
docs show them. A `bool` column is refused: the docs do not show which .NET type Kusto reports for it."""

from __future__ import annotations

from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import quote_string
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

DOTNET_TYPES = {
    "string": "System.String",
    "long": "System.Int64",
    "int": "System.Int32",
    "real": "System.Double",
    "decimal": "System.Data.SqlTypes.SqlDecimal",
    "datetime": "System.DateTime",
    "timespan": "System.TimeSpan",
    "guid": "System.Guid",
    "dynamic": "System.Object",
}


@operator("GetSchemaOperator")
def getschema(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    output = t.output_columns(node)
    rows = []
    for ordinal, column in enumerate(source.columns):
        dotnet = DOTNET_TYPES.get(column.type)
        if dotnet is None:
            raise t.position.unsupported(f"getschema of a {column.type} column", node)
        rows.append(
            f"({quote_string(column.name)}, CAST({ordinal} AS BIGINT), {quote_string(dotnet)}, "
            f"{quote_string(column.type)}, {ordinal})"
        )
    names = ", ".join(f'"{c.name}"' for c in output)
    if not rows:
        return t.ctes.add(
            "SELECT '' AS ColumnName, CAST(0 AS BIGINT) AS ColumnOrdinal, '' AS DataType, '' AS ColumnType, "
            f"0 AS {ORDER} WHERE FALSE",
            output,
            ordered=True,
        )
    return t.ctes.add(
        f"SELECT * FROM (VALUES {', '.join(rows)}) AS s({names}, {ORDER})", output, ordered=True
    )
