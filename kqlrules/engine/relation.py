"""A tabular intermediate result: the SQL name it is known by (a CTE) and its Kusto columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from kqlrules.engine.sql import quote_identifier
from kqlrules.table import Column

# Rows of a serialized (sorted) relation carry their position in this hidden column.
ORDER = "__kql_order"


@dataclass(frozen=True)
class Relation:
    name: str
    columns: list[Column]
    ordered: bool = False  # carries ORDER (set by sort/serialize/top; kept by order-preserving operators)
    sources: tuple[str, ...] = field(default=())  # table names, for `union withsource` and `$table`
    alias: str | None = None  # the name `as` gave it (union's withsource column reports it)
    is_graph: ClassVar[bool] = False  # a graph (make-graph) flowing to graph operators, not a table

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def select_list(self, *, alias: str | None = None) -> str:
        prefix = f"{alias}." if alias else ""
        names = [prefix + quote_identifier(c.name) for c in self.columns]
        return ", ".join(names) if names else "NULL AS __kql_empty"

    def order_column(self, alias: str | None = None) -> list[str]:
        if not self.ordered:
            return []
        return [(f"{alias}." if alias else "") + ORDER]
