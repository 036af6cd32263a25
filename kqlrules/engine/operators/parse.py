"""parse and parse-where (kind=simple, regex and relaxed; see `_RELAXED`): the pattern becomes one RE2 regular
expression, anchored at the start; `*` skips lazily (`.*?`).

A string (or datetime, timespan, dynamic) column captures lazily in simple mode, or the rest of
the text when last. In regex mode it captures greedily (`(.*)`): the documented outputs of the regex
examples need it (`flags=U` turns the capture lazy and yields the first field; a capture followed by a user's
`(.*?)` group keeps the text). The match is all or nothing: a typed column that does not convert fails the
whole row's match. Relaxed mode's partial matching is not documented precisely enough to reproduce.
A capture into a column the input already has runs on an empty input only (see `_into_existing`).
"""

from __future__ import annotations

import re

from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input, row_of
from kqlrules.engine.operators.parameters import allow, parameters
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier, quote_string
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import normalise_type
from kqlrules.kusto import Node
from kqlrules.table import Column

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
    if kusto_type in ("datetime", "timespan"):
        function = "todatetime" if kusto_type == "datetime" else "totimespan"
        return t.call_scalar(function, [Sql(capture, "string")], kusto_type, node).text
    if kusto_type in ("long", "int"):
        return f"TRY_CAST({capture} AS {'BIGINT' if kusto_type == 'long' else 'INTEGER'})"
    if kusto_type in ("real", "decimal"):
        return f"TRY_CAST({capture} AS DOUBLE)"
    if kusto_type == "bool":
        return f"(lower({capture}) = 'true')"
    if kusto_type == "datetime":
        return f"TRY_CAST({capture} AS TIMESTAMP_NS)"
    if kusto_type == "guid":
        return f"lower({capture})"
    if kusto_type == "dynamic":
        return t.call_scalar("todynamic", [Sql(capture, "string")], kusto_type, node).text
    raise t.position.unsupported(f"parsing into a {kusto_type} column", node)


def _groups(regex: str) -> int:
    """How many capturing groups a user's regular expression fragment opens."""
    return len(re.findall(r"(?<!\\)\((?!\?)", regex)) + len(re.findall(r"\(\?P?<", regex))


def _pattern(t: Translator, node: Node, mode: str) -> tuple[str, list[tuple[str, str, Node, int]]]:
    regex = mode == "regex"
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
            if capture == "(.*?)" and (last or regex):
                capture = "(.*)"
            columns.append((name_text(name_node), kind, item, group + 1))
            if mode == "relaxed" and capture not in ("(.*?)", "(.*)"):
                # The typed value, else any text up to the next delimiter (its own group): see `_RELAXED`.
                capture = f"(?:{capture}|({'.*' if last else '.*?'}))"
                group += 1
            parts.append(capture)
            group += 1
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
    if kind not in ("simple", "regex", "relaxed"):
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
    pattern, captures = _pattern(t, node, kind)
    if flags:
        pattern = f"(?{flags})" + pattern
    pattern_sql = quote_string(pattern)
    output = t.output_columns(node)
    by_name = {name: (group, kind_, item) for name, kind_, item, group in captures}
    if len({c.name for c in output}) != len(output):
        output = _into_existing(t, node, source, by_name)
    fresh = [c.name for c in output if c.name not in {s.name for s in source.columns}]
    if len(fresh) == len(captures) and set(fresh) != set(by_name):
        # A capture named like an input column becomes a new column (`x1`): pair them in order.
        by_name = {
            name: (group, kind_, item) for name, (_, kind_, item, group) in zip(fresh, captures, strict=True)
        }
    # The text is matched once: every group (the user's own included) is a field of one struct.
    groups = max(_groups(pattern), max((group for *_, group in captures), default=0))
    names = ", ".join(f"'g{i}'" for i in range(1, max(groups, 1) + 1))
    inputs = ", ".join([quote_identifier(c.name) for c in source.columns] + source.order_column())
    matched_sql = (
        f"SELECT {inputs}, regexp_matches({value.text}, {pattern_sql}) AS __kql_matched, "
        f"regexp_extract({value.text}, {pattern_sql}, [{names}]) AS __kql_groups FROM {source.name}"
    )
    matched = t.ctes.add(matched_sql, source.columns, ordered=source.ordered, sources=source.sources)
    converted: dict[str, tuple[str, str]] = {}
    typed_checks = []
    for column in output:
        if column.name in by_name:
            group, kind_, item = by_name[column.name]
            text = _convert(t, f"__kql_groups.g{group}", kind_, item)
            converted[column.name] = (text, kind_)
            if kind_ != "string":
                if kind == "relaxed":
                    skipped = group if _CAPTURES[kind_] == "(.*?)" else group + 1
                    _refuse_partial(t, node, matched, f"__kql_groups.g{skipped}", text, kind_)
                else:
                    typed_checks.append(f"{text} IS NOT NULL")
    # The row matches when the text does and every typed column converts.
    success = " AND ".join(["__kql_matched", *typed_checks])
    parts = []
    for column in output:
        if column.name in converted:
            text, kind_ = converted[column.name]
            empty = "''" if kind_ == "string" else "NULL"
            parts.append(
                f"CASE WHEN {success} THEN {text} ELSE {empty} END AS {quote_identifier(column.name)}"
            )
        else:
            parts.append(quote_identifier(column.name))
    parts.extend(source.order_column())
    sql = f"SELECT {', '.join(parts)} FROM {matched.name}"
    if not keep_unmatched:
        # parse-where drops the rows that do not match, or whose typed captures do not convert.
        sql += " WHERE " + " AND ".join(["__kql_matched", *typed_checks])
    return t.ctes.add(sql, output, ordered=source.ordered, sources=source.sources)


# Relaxed mode: the delimiters must all appear; a typed column whose text is not of its type (the docs'
# `nonValidLongValue`) is null and the others keep their values. Skipped text with a valid beginning (`27abc`)
# or white space around it may convert partly, which is not documented: such rows are refused when run.
_RELAXED = {
    "long": r"^[-+]?[0-9]",
    "int": r"^[-+]?[0-9]",
    "real": r"^[-+]?[0-9.]",
    "decimal": r"^[-+]?[0-9.]",
    "datetime": r"^[0-9]",
    "timespan": r"^[-+]?[0-9]",
    "bool": r"^(?i)(true|false)",
    "guid": r"^[0-9a-fA-F]",
}


def _refuse_partial(t: Translator, node: Node, matched: Relation, capture: str, text: str, kind: str) -> None:
    """`capture`: the text a relaxed column skipped (its whole text for a kind captured as any text)."""
    start = _RELAXED.get(kind)
    if start is None:
        raise t.position.unsupported(f"parse kind=relaxed into a {kind} column", node)
    doubtful = (
        f"SELECT count(*) FROM {matched.name} WHERE __kql_matched AND {capture} <> '' AND "
        f"({capture} <> trim({capture}) OR "
        f"({text} IS NULL AND regexp_matches({capture}, {quote_string(start)})))"
    )
    t.guard(node, doubtful, f"parse kind=relaxed of a {kind} value that converts only in part")


def _into_existing(
    t: Translator, node: Node, source: Relation, by_name: dict[str, tuple[int, str, Node]]
) -> list[Column]:
    """A capture named like an input column: the analyzer then lists the name twice (and keeps both through
    later operators; after an `extend` it calls the second `name1`). What Kusto's columns hold then is not
    documented, so the plan keeps the input's column and puts the capture in `name1` only so that a query
    runs on an empty input; it refuses at run time when the input has rows."""
    columns = list(source.columns)
    taken = {c.name for c in columns}
    for name in list(by_name):
        group, kind, item = by_name[name]
        if name in taken:
            number = 1
            while f"{name}{number}" in taken:
                number += 1
            del by_name[name]
            name = f"{name}{number}"
            by_name[name] = (group, kind, item)
        taken.add(name)
        columns.append(Column(name, kind))
    construct = "parse into a column the input already has, over rows"
    t.guard(node, f"SELECT count(*) FROM {source.name}", construct)
    return columns


@operator("ParseOperator")
def parse(t: Translator, node: Node, source: Relation | None) -> Relation:
    return _parse(t, node, source, keep_unmatched=True)


@operator("ParseWhereOperator")
def parse_where(t: Translator, node: Node, source: Relation | None) -> Relation:
    return _parse(t, node, source, keep_unmatched=False)
