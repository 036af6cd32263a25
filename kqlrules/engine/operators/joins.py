"""join and lookup. Kusto's default join kind is `innerunique`: the left side is first deduplicated on the
join keys (one arbitrary row per key), then inner-joined."""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.parameters import allow, parameters
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node
from kqlrules.table import Column

_KINDS = {
    "innerunique": "innerunique",
    "inner": "inner",
    "leftouter": "leftouter",
    "rightouter": "rightouter",
    "fullouter": "fullouter",
    "leftanti": "leftanti",
    "anti": "leftanti",
    "leftantisemi": "leftanti",
    "rightanti": "rightanti",
    "rightantisemi": "rightanti",
    "leftsemi": "leftsemi",
    "rightsemi": "rightsemi",
}


def _keys(t: Translator, clause: Node, left: Relation, right: Relation) -> list[tuple[str, str, str]]:
    """(left SQL, right SQL, type) of each equality of an `on` clause."""
    sides = {"$left": Row.of(left, "l"), "$right": Row.of(right, "r")}
    row = Row({}, sides=sides)
    pairs: list[tuple[str, str, str]] = []

    def visit(item: Node) -> None:
        if item.kind == "NameReference":
            name = name_text(item)
            a, b = sides["$left"].columns.get(name), sides["$right"].columns.get(name)
            if a is None or b is None:
                raise t.position.semantic(f"the join key {name} is not on both sides", item)
            pairs.append(_equal(t, item, a.text, a.type, b.text, b.type))
        elif item.kind == "AndExpression":
            for part in (item.get("Left"), item.get("Right")):
                assert part is not None
                visit(part)
        elif item.kind == "EqualExpression":
            left_node, right_node = item.get("Left"), item.get("Right")
            assert left_node is not None and right_node is not None
            a, b = t.expr(left_node, row), t.expr(right_node, row)
            if a.side == "r" and b.side == "l":
                a, b = b, a
            pairs.append(_equal(t, item, a.text, a.type, b.text, b.type))
        elif item.kind == "ParenthesizedExpression":
            inner = item.get("Expression")
            assert inner is not None
            visit(inner)
        else:
            raise t.position.unsupported("this join condition", item)

    for item in clause.elements("Expressions"):
        visit(item)
    return pairs


def _equal(t: Translator, at: Node, a: str, a_type: str, b: str, b_type: str) -> tuple[str, str, str]:
    """(left SQL, right SQL, the left key's type) of one equality."""
    numbers = {"long", "int", "real", "decimal"}
    if a_type != b_type and not {a_type, b_type} <= numbers:
        raise t.position.unsupported(f"joining {a_type} with {b_type}", at)
    if a_type == "dynamic":
        raise t.position.unsupported("joining on dynamic values", at)
    return a, b, a_type


def _join(
    t: Translator, node: Node, left: Relation, right: Relation, kind: str, pairs: list[tuple[str, str, str]]
) -> Relation:
    output = t.output_columns(node)
    on = " AND ".join(f"{a} = {b}" for a, b, _ in pairs) or "TRUE"
    if kind in ("leftsemi", "leftanti", "rightsemi", "rightanti"):
        keep, other, keep_alias, other_alias = (
            (left, right, "l", "r") if kind.startswith("left") else (right, left, "r", "l")
        )
        exists = "EXISTS" if kind.endswith("semi") else "NOT EXISTS"
        columns = ", ".join(f"{keep_alias}.{quote_identifier(c.name)}" for c in keep.columns)
        sql = (
            f"SELECT {columns} FROM {keep.name} AS {keep_alias} WHERE {exists} "
            f"(SELECT 1 FROM {other.name} AS {other_alias} WHERE {on})"
        )
        if [c.name for c in output] != [c.name for c in keep.columns]:
            raise t.position.unsupported("the columns of this join", node)
        return t.ctes.add(sql, output)
    if len(output) != len(left.columns) + len(right.columns):
        raise t.position.unsupported("the columns of this join", node)
    left_source = left.name
    if kind == "innerunique":
        left_source = _one_row_per_key(left, [a for a, _, _ in pairs])
    join = {
        "innerunique": "JOIN",
        "inner": "JOIN",
        "leftouter": "LEFT JOIN",
        "rightouter": "RIGHT JOIN",
        "fullouter": "FULL JOIN",
    }[kind]
    nullable_left = kind in ("rightouter", "fullouter")
    nullable_right = kind in ("leftouter", "fullouter")
    parts = []
    sources = [(c, "l", nullable_left) for c in left.columns] + [
        (c, "r", nullable_right) for c in right.columns
    ]
    for out, (column, alias, nullable) in zip(output, sources, strict=True):
        parts.append(_column(alias, column, out, nullable))
    sql = f"SELECT {', '.join(parts)} FROM {left_source} AS l {join} {right.name} AS r ON {on}"
    return t.ctes.add(sql, output)


def _one_row_per_key(left: Relation, keys: list[str]) -> str:
    """The left side of innerunique: one row per key (the first in order when the input is ordered).
    DISTINCT ON groups by hashing; a row_number() window sorts every partition, several times slower."""
    if not keys:  # DISTINCT ON (1) would name the first column: one row of all, by a window
        order = f" ORDER BY l.{ORDER}" if left.ordered else ""
        return f"(SELECT * FROM {left.name} AS l QUALIFY row_number() OVER (PARTITION BY 1{order}) = 1)"
    distinct = ", ".join(keys)
    order = f" ORDER BY {distinct}, l.{ORDER}" if left.ordered else ""
    return f"(SELECT DISTINCT ON ({distinct}) * FROM {left.name} AS l{order})"


def _column(alias: str, column: Column, out: Column, nullable: bool) -> str:
    text = f"{alias}.{quote_identifier(column.name)}"
    if nullable and column.type == "string":
        text = f"coalesce({text}, '')"
    return f"{text} AS {quote_identifier(out.name)}"


@operator("JoinOperator")
def join(t: Translator, node: Node, source: Relation | None) -> Relation:
    left = need_input(t, node, source)
    found = parameters(t, node)
    allow(t, node, found, "kind")
    kind_text = found.get("kind", ("innerunique", node))[0].lower()
    kind = _KINDS.get(kind_text)
    if kind is None:
        raise t.position.unsupported(f"join kind={kind_text}", node)
    right_node, clause = node.get("Expression"), node.get("ConditionClause")
    if right_node is None or clause is None:
        raise t.position.unsupported("a join without an on clause", node)
    if clause.kind != "JoinOnClause":
        raise t.position.unsupported("join ... where", clause)
    right = t.tabular(right_node)
    pairs = _keys(t, clause, left, right)
    _refuse_null_keys(t, node, left, right, pairs)
    return _join(t, node, left, right, kind, pairs)


def _refuse_null_keys(
    t: Translator, node: Node, left: Relation, right: Relation, pairs: list[tuple[str, str, str]]
) -> None:
    """Whether a null key on one side matches a null key on the other is not documented (join-operator.md,
    null-values.md say nothing of keys): where both sides hold a null in the same key, the query is refused
    when it runs. A null never matches a value, and strings are never null, so nothing else is at stake."""
    for a, b, kusto_type in pairs:
        if kusto_type == "string":
            continue
        t.guard(
            node,
            f"SELECT EXISTS (SELECT 1 FROM {left.name} AS l WHERE {a} IS NULL) "
            f"AND EXISTS (SELECT 1 FROM {right.name} AS r WHERE {b} IS NULL)",
            "join on a key that is null on both sides",
        )


@operator("LookupOperator")
def lookup(t: Translator, node: Node, source: Relation | None) -> Relation:
    left = need_input(t, node, source)
    found = parameters(t, node)
    allow(t, node, found, "kind")
    kind = found.get("kind", ("leftouter", node))[0].lower()
    if kind not in ("leftouter", "inner"):
        raise t.position.unsupported(f"lookup kind={kind}", node)
    right_node, clause = node.get("Expression"), node.get("LookupClause")
    if right_node is None or clause is None:
        raise t.position.unsupported("a lookup without an on clause", node)
    right = t.tabular(right_node)
    pairs = _keys(t, clause, left, right)
    _refuse_null_keys(t, node, left, right, pairs)
    output = t.output_columns(node)
    # The right side's key columns are not repeated: each output column comes from the left if the left has
    # it, else from the right.
    on = " AND ".join(f"{a} = {b}" for a, b, _ in pairs) or "TRUE"
    left_names = {c.name for c in left.columns}
    right_names = {c.name for c in right.columns}
    parts = []
    for out in output:
        if out.name in left_names:
            parts.append(_column("l", Column(out.name, out.type), out, False))
        elif out.name in right_names:
            parts.append(_column("r", Column(out.name, out.type), out, kind == "leftouter"))
        else:
            raise t.position.unsupported("the columns of this lookup", node)
    join_kind = "LEFT JOIN" if kind == "leftouter" else "JOIN"
    sql = f"SELECT {', '.join(parts)} FROM {left.name} AS l {join_kind} {right.name} AS r ON {on}"
    return t.ctes.add(sql, output)
