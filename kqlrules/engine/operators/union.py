"""union: rows of every input, columns by name (a column whose types differ gets `name_type` columns)."""

from __future__ import annotations

import fnmatch

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.parameters import allow, parameters
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node
from kqlrules.table import Column


def _inputs(t: Translator, node: Node, source: Relation | None) -> list[tuple[str | None, Relation]]:
    inputs: list[tuple[str | None, Relation]] = []
    if source is not None:
        inputs.append((source.alias or (source.sources[0] if len(source.sources) == 1 else None), source))
    for item in node.elements("Expressions"):
        if item.kind == "NameReference" and item.get("Name") and item.get("Name").kind == "WildcardedName":  # type: ignore[union-attr]
            pattern = t.source(item).strip()
            names = sorted(n for n in t.tables if fnmatch.fnmatchcase(n, pattern))
            for name in names:
                inputs.append((name, t.table(name, item)))
            continue
        relation = t.tabular(item)
        label = relation.alias
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
    if "kind" in found and found["kind"][0].lower() == "inner":
        # union-operator.md, kind=inner: "The result has the subset of columns that are common to all of the
        # input tables". Microsoft's analyzer types it as the outer union, and every later operator reads its
        # columns from the analyzer: unless the inputs have the same columns (inner is then outer), refuse.
        schemas = {frozenset((c.name, c.type) for c in relation.columns) for _, relation in inputs}
        if len(schemas) > 1:
            raise t.position.unsupported("union kind=inner of inputs whose columns differ", node)
    slots = _slots(t, node, inputs, [c for c in output if c.name != source_column])
    if slots is None:
        return _by_name(t, node, inputs, output, source_column)
    names = iter(slots)
    columns = [c if c.name == source_column else next(names)[0] for c in output]
    selects = []
    for label, relation in inputs:
        by_name = {c.name: c for c in relation.columns}
        parts = []
        slot_of = iter(slots)
        for column in columns:
            if column.name == source_column:
                if label is None:
                    raise t.position.unsupported("withsource over an input that is not a table", node)
                parts.append(f"{quote_string(label)} AS {quote_identifier(column.name)}")
                continue
            _, (name, kind) = next(slot_of)
            have = by_name.get(name)
            if have is not None and kind is not None and have.type != kind:
                have = None
            parts.append(f"{_value(have, column)} AS {quote_identifier(column.name)}")
        selects.append(f"SELECT {', '.join(parts)} FROM {relation.name}")
    return t.ctes.add(" UNION ALL ".join(selects), columns)


Slot = tuple[Column, tuple[str, str | None]]


def _slots(
    t: Translator, node: Node, inputs: list[tuple[str | None, Relation]], expected: list[Column]
) -> list[Slot] | None:
    """The output columns in order, each with the input column it takes: (name, None), or (name, type) for a
    name whose type differs between inputs, in the order of the names' first appearance. Such a column is
    named `name_type`; when that name is also a column of its own, the column of its own keeps the name and
    the renamed one takes a number (`x_long1`), as Kusto's union documentation shows. None when the
    analyzer's columns are not these (it merges some types its own way)."""
    types: dict[str, list[str]] = {}
    for _, relation in inputs:
        for column in relation.columns:
            seen = types.setdefault(column.name, [])
            if column.type not in seen:
                seen.append(column.type)
    # By each name's first appearance; a name of several types gives one column per type, side by side.
    keys = [(name, kind if len(kinds) > 1 else None) for name, kinds in types.items() for kind in kinds]
    keys = list(dict.fromkeys(keys))
    if len(keys) != len(expected):
        return None
    own = {name for name, kind in keys if kind is None}
    taken = set(own)
    slots: list[Slot] = []
    for (name, kind), column in zip(keys, expected, strict=True):
        wanted = kind if kind is not None else types[name][0]
        if column.type != wanted:
            return None
        if kind is None:
            slots.append((Column(name, wanted), (name, kind)))
            continue
        renamed, number = f"{name}_{kind}", 0
        while renamed in taken:
            number += 1
            renamed = f"{name}_{kind}{number}"
        taken.add(renamed)
        slots.append((Column(renamed, wanted), (name, kind)))
    return slots


def _by_name(
    t: Translator,
    node: Node,
    inputs: list[tuple[str | None, Relation]],
    output: list[Column],
    source_column: str | None,
) -> Relation:
    """Each of the analyzer's columns from the input column of its name (or of its name less a `_type`)."""
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
            have = by_name.get(column.name)
            if have is None:
                for name, candidate in by_name.items():
                    if column.name == f"{name}_{candidate.type}":
                        have = candidate
                        break
            parts.append(f"{_value(have, column)} AS {quote_identifier(column.name)}")
        selects.append(f"SELECT {', '.join(parts)} FROM {relation.name}")
    return t.ctes.add(" UNION ALL ".join(selects), output)


def _value(have: Column | None, column: Column) -> str:
    if have is not None and have.type == column.type:
        return quote_identifier(have.name)
    if have is not None and have.type in ("long", "int", "real") and column.type in ("long", "int", "real"):
        return f"CAST({quote_identifier(have.name)} AS {DUCKDB_TYPES[column.type]})"
    return "''" if column.type == "string" else f"CAST(NULL AS {DUCKDB_TYPES.get(column.type, 'VARCHAR')})"
