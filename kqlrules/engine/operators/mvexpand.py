"""mv-expand: one row per element of a dynamic array (or per property of a bag), several columns in
parallel (shorter ones padded with null); an empty array drops the row; a non-array value keeps it as is."""

from __future__ import annotations

from dataclasses import dataclass

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input, row_of
from kqlrules.engine.operators.parameters import allow, parameters
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import normalise_type
from kqlrules.kusto import Node
from kqlrules.table import Column


def derived_name(node: Node) -> str | None:
    """The column a computed expression is named after: `todynamic(Entities)` -> Entities, `d.a` -> d_a."""
    if node.kind == "NameReference":
        return name_text(node)
    if node.kind == "PathExpression":
        left, right = node.get("Expression"), node.get("Selector")
        base = derived_name(left) if left is not None else None
        return f"{base}_{name_text(right)}" if base and right is not None else None
    if node.kind == "FunctionCallExpression":
        args = node.arguments()
        return derived_name(args[0]) if args else None
    return None


def element_list(value: str, bag_as_array: bool) -> str:
    """A DuckDB LIST of JSON elements for one dynamic value."""
    key_path = "'$.\"' || replace(k, '\"', '\\\"') || '\"'"
    bag_item = (
        f"json_array(k, json_extract({value}, {key_path}))"
        if bag_as_array
        else f"json_object(k, json_extract({value}, {key_path}))"
    )
    # Arrays (the common case) are parsed once; bags and scalars are told apart only when it is not one. A
    # value that starts with '[' is an array: cast without TRY_CAST's fallback (coalesce copies the lists).
    others = (
        f"coalesce(TRY_CAST({value} AS JSON[]), CASE json_type({value}) "
        f"WHEN 'OBJECT' THEN list_transform(json_keys({value}), lambda k: CAST({bag_item} AS JSON)) "
        f"ELSE [{value}] END)"
    )
    return f"CASE WHEN starts_with({value}, '[') THEN CAST({value} AS JSON[]) ELSE {others} END"


def typed_element(element: str, kusto_type: str) -> str:
    """`to typeof(T)`: cast-only; elements that are not of the type become null."""
    kind = f"json_type({element})"
    if kusto_type == "dynamic":
        return element
    if kusto_type == "string":
        return f"coalesce(CASE {kind} WHEN 'VARCHAR' THEN {element} ->> '$' END, '')"
    if kusto_type in ("long", "int"):
        duck = "BIGINT" if kusto_type == "long" else "INTEGER"
        return f"CASE WHEN {kind} IN ('BIGINT', 'UBIGINT') THEN TRY_CAST({element} AS {duck}) END"
    if kusto_type in ("real", "decimal"):
        return f"CASE WHEN {kind} IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST({element} AS DOUBLE) END"
    if kusto_type == "bool":
        return f"CASE WHEN {kind} = 'BOOLEAN' THEN CAST({element} AS BOOLEAN) END"
    if kusto_type == "datetime":
        # Read as todatetime() reads text, to the 100-ns tick.
        parsed = f"kql_from_ticks(kql_parse_datetime_ticks({element} ->> '$'))"
        return f"CASE WHEN {kind} = 'VARCHAR' THEN {parsed} END"
    if kusto_type == "guid":
        return f"CASE WHEN {kind} = 'VARCHAR' THEN lower(TRY_CAST({element} ->> '$' AS UUID)::VARCHAR) END"
    raise ValueError(kusto_type)


@dataclass(frozen=True)
class Expansion:
    name: str
    value: Sql
    target: str  # the Kusto type elements are cast to


def target_type(item: Node) -> str:
    """The `to typeof(T)` of one expanded expression (dynamic without one)."""
    if item.kind == "MvExpandExpression":
        return normalise_type(item.type)
    clause = item.get("ToTypeOf")
    if clause is None:
        return "dynamic"
    keywords = [n.token for n in clause.walk() if n.field == "Type" and n.token]
    return normalise_type(keywords[0]) if keywords else "dynamic"


def expansions_of(
    t: Translator, node: Node, source: Relation, output: list[Column], index: str | None
) -> list[Expansion]:
    """The expressions of `mv-expand`/`mv-apply`, named as the analyzer names them."""
    row = row_of(source)
    found: list[Expansion] = []
    for item in node.elements("Expressions"):
        expression = (
            item.get("Expression") if item.kind in ("MvExpandExpression", "MvApplyExpression") else item
        )
        assert expression is not None
        name: str | None = None
        if expression.kind == "SimpleNamedExpression":
            name_node, value_node = expression.get("Name"), expression.get("Expression")
            assert name_node is not None and value_node is not None
            name = name_text(name_node)
        else:
            value_node = expression
            if value_node.kind == "NameReference":
                name = name_text(value_node)
        value = t.expr(value_node, row)
        if value.type != "dynamic":
            raise t.position.unsupported(f"{t.source(node).split()[0]} of a {value.type} value", value_node)
        if name is None:
            names_in_use = {c.name for c in source.columns} | {e.name for e in found}
            fresh = [c.name for c in output if c.name not in names_in_use and c.name != index]
            derived = derived_name(value_node)
            if fresh:
                name = fresh[0]
            elif derived is not None and derived in {c.name for c in output}:
                name = derived
            else:
                raise t.position.unsupported("naming this expanded column", value_node)
        found.append(Expansion(name, value, target_type(item)))
    return found


def expand(
    t: Translator,
    node: Node,
    source: Relation,
    expansions: list[Expansion],
    output: list[Column],
    index_name: str | None,
    bag_kind: str,
) -> Relation:
    """One row per element (in parallel across the expansions), with `output`'s columns."""
    lists = [
        f"{element_list(e.value.text, bag_kind == 'array')} AS __kql_l{i}" for i, e in enumerate(expansions)
    ]
    base = ", ".join([quote_identifier(c.name) for c in source.columns] + source.order_column())
    prepared = t.ctes.add(f"SELECT {base}{', ' if base else ''}{', '.join(lists)} FROM {source.name}", [])
    lengths = ", ".join(f"len(__kql_l{i})" for i in range(len(expansions)))
    unnests = ", ".join(f"unnest(__kql_l{i}) AS __kql_e{i}" for i in range(len(expansions)))
    limit_node = node.get("RowLimitClause")
    if index_name is not None or limit_node is not None or source.ordered:
        unnests += f", unnest(range(greatest({lengths}))) AS __kql_i"
    unnested = t.ctes.add(f"SELECT *, {unnests} FROM {prepared.name}", [])
    by_name = {e.name: (index, e.target) for index, e in enumerate(expansions)}
    parts = []
    for column in output:
        if column.name in by_name:
            index, target = by_name[column.name]
            parts.append(f"{typed_element(f'__kql_e{index}', target)} AS {quote_identifier(column.name)}")
        elif column.name == index_name:
            parts.append(f"__kql_i AS {quote_identifier(column.name)}")
        else:
            parts.append(quote_identifier(column.name))
    where = ""
    if limit_node is not None:
        limit_value = limit_node.get("RowLimit")
        assert limit_value is not None
        limit = t.expr(limit_value, row_of(Relation("", [])))
        where = f" WHERE __kql_i < {limit.text}"
    if source.ordered:
        parts.append(f"row_number() OVER (ORDER BY {ORDER}, __kql_i) AS {ORDER}")
    sql = f"SELECT {', '.join(parts)} FROM {unnested.name}{where}"
    return t.ctes.add(sql, [Column(c.name, c.type) for c in output], ordered=source.ordered)


def expansion_options(t: Translator, node: Node) -> tuple[str, str | None]:
    """(bag expansion kind, with_itemindex column) of `mv-expand`/`mv-apply`."""
    found = parameters(t, node)
    allow(t, node, found, "kind", "bagexpansion", "with_itemindex")
    bag_kind = (found.get("kind") or found.get("bagexpansion") or ("bag", node))[0].lower()
    index_name = found["with_itemindex"][0] if "with_itemindex" in found else None
    return bag_kind, index_name


@operator("MvExpandOperator")
def mv_expand(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    bag_kind, index_name = expansion_options(t, node)
    output = t.output_columns(node)
    expansions = expansions_of(t, node, source, output, index_name)
    return expand(t, node, source, expansions, output, index_name, bag_kind)
