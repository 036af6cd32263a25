"""parse and parse-where (kind=simple and kind=regex): the pattern becomes one RE2 regular expression,
anchored at the start; `*` skips lazily; a column captures lazily, or the rest of the text when last."""

from __future__ import annotations

import re

from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input, row_of
from kqlrules.engine.operators.parameters import allow, parameters
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.engine.tree import Node
from kqlrules.engine.types import normalise_type

_CAPTURES = {
    "string": "(.*?)",
    "long": r"(\-?\d+)",
    "int": r"(\-?\d+)",
    "real": r"(\-?\d+(?:\.\d*)?(?:[eE][\-+]?\d+)?)",
    "decimal": r"(\-?\d+(?:\.\d*)?)",
    "bool": "(true|false|True|False|TRUE|FALSE)",
    "datetime": "(.*?)",
    "timespan": "(.*?)",
    "guid": "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})",
    "dynamic": "(.*?)",
}


def _convert(t: Translator, capture: str, kusto_type: str, node: Node) -> str:
    if kusto_type == "string":
        return capture
    if kusto_type in ("long", "int"):
        return f"TRY_CAST({capture} AS {'BIGINT' if kusto_type == 'long' else 'INTEGER'})"
    if kusto_type in ("real", "decimal"):
        return f"TRY_CAST({capture} AS DOUBLE)"
    if kusto_type == "bool":
        return f"(lower({capture}) = 'true')"
    if kusto_type == "datetime":
        return f"TRY_CAST({capture} AS TIMESTAMP)"
    if kusto_type == "guid":
        return f"lower({capture})"
    if kusto_type == "dynamic":
        return f"TRY_CAST({capture} AS JSON)"
    raise t.position.unsupported(f"parsing into a {kusto_type} column", node)


def _groups(regex: str) -> int:
    """How many capturing groups a user's regular expression fragment opens."""
    return len(re.findall(r"(?<!\\)\((?!\?)", regex)) + len(re.findall(r"\(\?P?<", regex))


def _pattern(t: Translator, node: Node, regex: bool) -> tuple[str, list[tuple[str, str, Node, int]]]:
    parts: list[str] = []
    columns: list[tuple[str, str, Node, int]] = []
    group = 0
    items = node.elements("Patterns")
    for position, item in enumerate(items):
        last = position == len(items) - 1
        if item.kind == "StarExpression":
            parts.append(".*?" if not last else ".*")
        elif item.kind in ("NameDeclaration", "NameAndTypeDeclaration"):
            name_node = item.get("Name") if item.kind == "NameAndTypeDeclaration" else item
            assert name_node is not None
            kind = normalise_type(name_node.type)
            capture = _CAPTURES.get(kind)
            if capture is None:
                raise t.position.unsupported(f"parsing into a {kind} column", item)
            if last and capture == "(.*?)":
                capture = "(.*)"
            parts.append(capture)
            group += 1
            columns.append((name_text(name_node), kind, item, group))
        else:
            value = t.expr(item, Row.empty())
            if not value.constant or not isinstance(value.value, str):
                raise t.position.unsupported("a parse pattern that is not a constant string", item)
            parts.append(value.value if regex else re.escape(value.value))
            group += _groups(value.value) if regex else 0
    return "^" + "".join(parts), columns


def _parse(t: Translator, node: Node, source: Relation | None, *, keep_unmatched: bool) -> Relation:
    source = need_input(t, node, source)
    found = parameters(t, node)
    allow(t, node, found, "kind", "flags")
    kind = found.get("kind", ("simple", node))[0].lower()
    if kind not in ("simple", "regex"):
        raise t.position.unsupported(f"parse kind={kind}", node)
    flags = found.get("flags", ("", node))[0]
    if flags and (kind != "regex" or not re.fullmatch(r"[imsU]+", flags)):
        raise t.position.unsupported(f"parse flags={flags}", node)
    expression = node.get("Expression")
    assert expression is not None
    row = row_of(source)
    value = t.expr(expression, row)
    if value.type != "string":
        # Kusto parses the value's string form.
        value = t.call_scalar("tostring", [value], "string", expression)
    pattern, captures = _pattern(t, node, kind == "regex")
    if flags:
        pattern = f"(?{flags})" + pattern
    pattern_sql = quote_string(pattern)
    output = t.output_columns(node)
    by_name = {name: (group, kind_, item) for name, kind_, item, group in captures}
    matched = f"regexp_matches({value.text}, {pattern_sql})"
    parts = []
    for column in output:
        if column.name in by_name:
            group, kind_, item = by_name[column.name]
            capture = f"regexp_extract({value.text}, {pattern_sql}, {group})"
            converted = _convert(t, capture, kind_, item)
            empty = "''" if kind_ == "string" else "NULL"
            parts.append(
                f"CASE WHEN {matched} THEN {converted} ELSE {empty} END AS {quote_identifier(column.name)}"
            )
        else:
            parts.append(quote_identifier(column.name))
    parts.extend(source.order_column())
    where = "" if keep_unmatched else f" WHERE {matched}"
    sql = f"SELECT {', '.join(parts)} FROM {source.name}{where}"
    if not keep_unmatched:
        # parse-where also drops rows whose typed captures did not convert.
        checks = [
            f"TRY_CAST(regexp_extract({value.text}, {pattern_sql}, {group}) AS DOUBLE) IS NOT NULL"
            for _, kind_, _, group in captures
            if kind_ in ("long", "int", "real", "decimal")
        ]
        if checks:
            sql += " AND " + " AND ".join(checks)
    return t.ctes.add(sql, output, ordered=source.ordered, sources=source.sources)


@operator("ParseOperator")
def parse(t: Translator, node: Node, source: Relation | None) -> Relation:
    return _parse(t, node, source, keep_unmatched=True)


@operator("ParseWhereOperator")
def parse_where(t: Translator, node: Node, source: Relation | None) -> Relation:
    return _parse(t, node, source, keep_unmatched=False)
