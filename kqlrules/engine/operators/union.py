"""union: rows of every input, columns by name (a column whose types differ gets `name_type` columns)."""

from __future__ import annotations

import fnmatch

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.parameters import allow, parameters
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.engine.tree import Node
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.table import Column


def _inputs(t: Translator, node: Node, source: Relation | None) -> list[tuple[str | None, Relation]]:
    inputs: list[tuple[str | None, Relation]] = []
    if source is not None:
        inputs.append((source.sources[0] if len(source.sources) == 1 else None, source))
    for item in node.elements("Expressions"):
        if item.kind == "NameReference" and item.get("Name") and item.get("Name").kind == "WildcardedName":  # type: ignore[union-attr]
            pattern = t.source(item).strip()
            names = sorted(n for n in t.tables if fnmatch.fnmatchcase(n, pattern))
            for name in names:
                inputs.append((name, t.table(name, item)))
            continue
        relation = t.tabular(item)
        label = None
        if item.kind == "NameReference":
            label = name_text(item)
        inputs.append((label, relation))
    return inputs


@operator("UnionOperator")
def union(t: Translator, node: Node, source: Relation | None) -> Relation:
    found = parameters(t, node)
    allow(t, node, found, "withsource", "isfuzzy", "kind")
    output = t.output_columns(node)
    source_column = found["withsource"][0] if "withsource" in found else None
    inputs = _inputs(t, node, source)
    if not inputs:
        raise t.position.semantic("union of no tables", node)
    selects = []
    for label, relation in inputs:
        by_name = {c.name: c for c in relation.columns}
        parts = []
        for column in output:
            if column.name == source_column:
                if label is None:
                    raise t.position.unsupported("withsource over an input that is not a table", node)
                parts.append(f"{quote_string(label)} AS {quote_identifier(column.name)}")
                continue
            parts.append(f"{_value(by_name, column)} AS {quote_identifier(column.name)}")
        selects.append(f"SELECT {', '.join(parts)} FROM {relation.name}")
    return t.ctes.add(" UNION ALL ".join(selects), output)


def _value(by_name: dict[str, Column], column: Column) -> str:
    have = by_name.get(column.name)
    if have is None:
        # `union` renames columns whose types differ: `x_long`, `x_string`.
        for name, candidate in by_name.items():
            if column.name == f"{name}_{candidate.type}":
                have = candidate
                break
    if have is not None and have.type == column.type:
        return quote_identifier(have.name)
    if have is not None and have.type in ("long", "int", "real") and column.type in ("long", "int", "real"):
        return f"CAST({quote_identifier(have.name)} AS {DUCKDB_TYPES[column.type]})"
    return "''" if column.type == "string" else f"CAST(NULL AS {DUCKDB_TYPES[column.type]})"
