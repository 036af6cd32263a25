"""parse-kv: listed keys read from a string into typed columns.

The delimiter modes read the text in Python (`kvtext`, the `kql_parse_kv` helper), which answers null where
the docs do not say what Kusto reads; the plan refuses such rows when it runs. The regex mode is SQL: the
pattern's two groups over all its matches (RE2, as Kusto's), the first match of each key winning. A value
becomes its column's type as `to<type>()` converts a string; a missing key is null ('' for strings)."""

from __future__ import annotations

import json

from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input, row_of
from kqlrules.engine.operators.parse import _groups
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier, quote_string
from kqlrules.engine.translator import Translator, kusto_type
from kqlrules.kusto import Node
from kqlrules.table import Column

PARSED = "__kql_kv"
_CONVERSIONS = {
    "long": "tolong",
    "int": "toint",
    "real": "toreal",
    "decimal": "todecimal",
    "bool": "tobool",
    "datetime": "todatetime",
    "timespan": "totimespan",
    "guid": "toguid",
    "dynamic": "todynamic",
}


@operator("ParseKvOperator")
def parse_kv(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    expression = node.get("Expression")
    assert expression is not None
    text = t.expr(expression, row_of(source))
    if text.type != "string":
        text = t.call_scalar("tostring", [text], "string", expression)
    keys = _keys(t, node)
    if any(source.column(k.name) is not None for k in keys):
        raise t.position.unsupported("parse-kv into a column the input already has", node)
    options = _options(t, node)
    inputs = [quote_identifier(c.name) for c in source.columns] + source.order_column()
    regex = options.pop("regex", None)
    if regex is not None:
        assert isinstance(regex, str)
        pattern = quote_string(regex)
        found = t.ctes.add(
            f"SELECT {', '.join(inputs)}, regexp_extract_all({text.text}, {pattern}, 1) AS __kql_keys, "
            f"regexp_extract_all({text.text}, {pattern}, 2) AS __kql_values FROM {source.name}",
            source.columns,
            ordered=source.ordered,
        )
        trimmed = "list_transform(__kql_keys, lambda k: regexp_replace(k, '^\\s+|\\s+$', '', 'g'))"
        values = {
            k.name: f"regexp_replace(__kql_values[list_position({trimmed}, {quote_string(k.name)})], "
            f"'^\\s+|\\s+$', '', 'g')"
            for k in keys
        }
    else:
        payload = json.dumps({**options, "keys": [k.name for k in keys]})
        found = t.ctes.add(
            f"SELECT {', '.join(inputs)}, kql_parse_kv({text.text}, {quote_string(payload)}) AS {PARSED} "
            f"FROM {source.name}",
            source.columns,
            ordered=source.ordered,
        )
        t.guard(
            node,
            f"SELECT count(*) FROM {found.name} WHERE {PARSED} IS NULL AND {text.text} IS NOT NULL",
            "parse-kv of text the docs do not say how to read (an unterminated quote, text after a "
            "quote, a value like 10.0.0.1 without delimiters...)",
        )
        values = {k.name: f"json_extract_string({PARSED}, {quote_string(_path(k.name))})" for k in keys}
    parts = [quote_identifier(c.name) for c in source.columns]
    for key in keys:
        value = Sql(values[key.name], "string")
        if key.type == "string":
            converted = f"coalesce({value.text}, '')"
        else:
            function = _CONVERSIONS.get(key.type)
            if function is None:
                raise t.position.unsupported(f"parse-kv into a {key.type} column", node)
            converted = t.call_scalar(function, [value], key.type, node).text
        parts.append(f"{converted} AS {quote_identifier(key.name)}")
    parts += source.order_column()
    output = list(source.columns) + keys
    return t.ctes.add(
        f"SELECT {', '.join(parts)} FROM {found.name}", output, ordered=source.ordered, sources=source.sources
    )


def _path(key: str) -> str:
    return "$." + '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _keys(t: Translator, node: Node) -> list[Column]:
    schema = node.get("Keys")
    keys = []
    for declaration in schema.elements("Columns") if schema is not None else []:
        name_node = declaration.get("Name")
        if declaration.kind != "NameAndTypeDeclaration" or name_node is None:
            raise t.position.unsupported("a parse-kv key without a type", declaration)
        keys.append(Column(name_text(name_node), kusto_type(name_node)))
    if not keys:
        raise t.position.unsupported("parse-kv without keys", node)
    return keys


def _options(t: Translator, node: Node) -> dict[str, object]:
    clause = node.get("WithClause")
    pair = kv = regex = None
    quotes: list[str] = []
    escapes: list[str] = []
    greedy = False
    for parameter in clause.elements("Properties") if clause is not None else []:
        name_node, value_node = parameter.get("Name"), parameter.get("Expression")
        if name_node is None or value_node is None:
            raise t.position.unsupported(f"the parse-kv option {t.source(parameter)}", parameter)
        name = name_text(name_node).lower()
        value = t.expr(value_node, Row.empty())
        if not value.constant:
            raise t.position.unsupported(f"parse-kv with a computed {name}", parameter)
        if name == "greedy" and isinstance(value.value, bool):
            greedy = value.value
        elif not isinstance(value.value, str) or not value.value:
            raise t.position.unsupported(f"parse-kv with {name}={t.source(value_node)}", parameter)
        elif name == "pair_delimiter":
            pair = value.value
        elif name == "kv_delimiter":
            kv = value.value
        elif name == "regex":
            regex = value.value
            if _groups(regex) != 2:
                raise t.position.unsupported("a parse-kv regex without exactly two groups", parameter)
        elif name == "quote" and len(value.value) <= 2:
            quotes.append(value.value)
        elif name == "escape" and len(value.value) == 1:
            escapes.append(value.value)
        else:
            raise t.position.unsupported(f"parse-kv with {name}={t.source(value_node)}", parameter)
    if (pair is None) != (kv is None) or (pair == kv and pair is not None):
        raise t.position.unsupported("parse-kv with one delimiter only (or both the same)", node)
    if greedy and pair is None:
        raise t.position.unsupported("parse-kv greedy without delimiters", node)
    if regex is not None:
        if pair is not None or quotes or escapes or greedy:
            raise t.position.unsupported("parse-kv with a regex and delimiters", node)
        return {"regex": regex}
    return {"pair": pair or "", "kv": kv or "", "quotes": quotes, "escapes": escapes, "greedy": greedy}
