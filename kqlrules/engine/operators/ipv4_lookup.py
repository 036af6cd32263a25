"""evaluate ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey...] [, return_unmatched]).

The reference (learn.microsoft.com/kusto/query/ipv4-lookup-plugin): each input row is joined with the rows of
the lookup table whose IPv4 key (an address or an IP-prefix range) holds the row's address, and whose extra
keys equal the row's; the result's columns are the input's and the lookup table's, as `lookup` makes them;
without `return_unmatched` (default false) only matched rows are kept, with it unmatched rows are kept too,
the lookup's columns null. A row is matched with every lookup row that holds it. An input address written
with a prefix (a masked source key) is refused where a row holds one: how it is matched is not stated.
"""

from __future__ import annotations

from kqlrules.engine.operators.common import lookup_columns, row_of
from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


def _column_name(t: Translator, node: Node, relation: Relation, what: str) -> str:
    name = t.source(node).strip().strip("[]'\"")
    if name not in {c.name for c in relation.columns}:
        raise t.position.unsupported(f"ipv4_lookup with a {what} that is not a column", node)
    return name


@plugin("ipv4_lookup")
def ipv4_lookup(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = call.arguments()
    named = args[-1] if args and args[-1].kind == "SimpleNamedExpression" else None
    if named is not None:
        args = args[:-1]
    if len(args) < 3 or any(a.kind == "SimpleNamedExpression" for a in args):
        raise t.position.unsupported(f"{t.source(call)} with these arguments", call)
    lookup = t.tabular(args[0])
    source_key = _column_name(t, args[1], source, "source key")
    lookup_key = _column_name(t, args[2], lookup, "lookup key")
    extra = args[3:]
    flag = named.get("Expression") if named is not None else None
    if named is not None and (flag is None or t.source(named).split("=")[0].strip() != "return_unmatched"):
        raise t.position.unsupported(f"{t.source(call)} with these arguments", call)
    if flag is None and extra and t.expr(extra[-1], row_of(source)).type == "bool":
        flag, extra = extra[-1], extra[:-1]
    keep_unmatched = False
    if flag is not None:
        value = t.expr(flag, row_of(source))
        if not value.constant or not isinstance(value.value, bool):
            raise t.position.unsupported("ipv4_lookup with a non-constant return_unmatched", flag)
        keep_unmatched = value.value
    extra_keys = [_column_name(t, n, source, "extra key") for n in extra]
    for at in extra:
        _column_name(t, at, lookup, "extra key")
    output = t.output_columns(node)
    source_names = {c.name for c in source.columns}
    lookup_names = {c.name for c in lookup.columns}
    parts = lookup_columns(t, node, source_names, lookup_names, keep_unmatched, "ipv4_lookup")
    address, network = f"l.{quote_identifier(source_key)}", f"r.{quote_identifier(lookup_key)}"
    on = [f"kql_ipv4_is_in_range({address}, {network})"]
    on += [f"l.{quote_identifier(k)} = r.{quote_identifier(k)}" for k in extra_keys]
    t.guard(
        node,
        f"SELECT count(*) FROM {source.name} WHERE contains({quote_identifier(source_key)}, '/')",
        "ipv4_lookup of a source address written with a prefix",
    )
    join = "LEFT JOIN" if keep_unmatched else "JOIN"
    sql = f"SELECT {', '.join(parts)} FROM {source.name} AS l {join} {lookup.name} AS r ON {' AND '.join(on)}"
    return t.ctes.add(sql, output)
