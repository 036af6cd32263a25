"""Calls whose meaning depends on the query around them, not only on their arguments: the row's columns
(`column_ifexists`, `pack_all`), the serialized input (`prev`, `next`, `row_number`, the `row_*` window
functions), request options (`bin_auto`), the analyzer's schema (`column_names_of`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kqlrules.engine import literals
from kqlrules.engine.context import Row
from kqlrules.engine.names import name_text
from kqlrules.engine.relation import ORDER
from kqlrules.engine.sql import Sql, quote_identifier, quote_string
from kqlrules.engine.translation.nodes import kusto_type
from kqlrules.engine.windows import WINDOW_CALLS, row_number_restarting
from kqlrules.kusto import Node

if TYPE_CHECKING:
    from kqlrules.engine.translator import Translator

TIME_COLUMN = "TimeGenerated"
WINDOW_MARK = f"OVER (ORDER BY {ORDER})"


def _column_ifexists(t: Translator, node: Node, row: Row) -> Sql:
    args = node.arguments()
    name = t.expr(args[0], Row.empty())
    if not name.constant or not isinstance(name.value, str):
        raise t.position.unsupported("column_ifexists() with a computed column name", node)
    found = row.columns.get(name.value)
    if found is not None:
        return found
    return t.expr(args[1], row)


def _pack_all(t: Translator, node: Node, row: Row) -> Sql:
    """The input row's columns as a bag (not the columns an extend computes before the call, as the
    reference's example shows); with `ignore_null_empty` true, without its null and empty values."""
    args = node.arguments()
    ignore = t.expr(args[0], row) if args else None
    if ignore is not None and (not ignore.constant or not isinstance(ignore.value, bool)):
        raise t.position.unsupported("pack_all() with a computed ignore_null_empty", node)
    pairs: list[Sql] = []
    for column, sql in row.columns.items():
        if row.inputs is not None and column not in row.inputs:
            continue
        if row.inputs is not None and not sql.text.endswith(quote_identifier(column)):
            raise t.position.unsupported(f"pack_all() after {column} is computed again in the operator", node)
        pairs += [Sql(quote_string(column), "string", constant=True, value=column), sql]
    if not pairs:
        return Sql("CAST('{}' AS JSON)", "dynamic")
    if ignore is None or not ignore.value:
        return t.call_scalar("bag_pack", pairs, "dynamic", node)
    # A JSON merge patch drops the keys whose value is null: empty strings are made null first.
    patches = []
    for name, sql in zip(pairs[::2], pairs[1::2], strict=True):
        value = Sql(f"NULLIF({sql.text}, '')", "string") if sql.type == "string" else sql
        patches.append(t.call_scalar("bag_pack", [name, value], "dynamic", node).text)
    return Sql(f"json_merge_patch(CAST('{{}}' AS JSON), {', '.join(patches)})", "dynamic")


def _bag_pack_columns(t: Translator, node: Node, row: Row) -> Sql:
    """bag_pack(name1, column1, name2, column2, ...) with the columns' names taken from the query."""
    args: list[Sql] = []
    for arg in node.arguments():
        if arg.kind != "NameReference":
            raise t.position.unsupported("bag_pack_columns() of an expression that is not a column", arg)
        name = name_text(arg)
        args += [Sql(quote_string(name), "string", constant=True, value=name), t.expr(arg, row)]
    return t.call_scalar("bag_pack", args, "dynamic", node)


def _bin_auto(t: Translator, node: Node, row: Row) -> Sql:
    """bin_at(value, query_bin_auto_size, query_bin_auto_at): the size is required, the fixed point is 0 (or
    the epoch for datetimes) by default."""
    args = node.arguments()
    if len(args) != 1:
        raise t.position.unsupported(f"bin_auto() with {len(args)} arguments", node)
    size_node = t.options.get("query_bin_auto_size")
    if size_node is None:
        raise t.position.unsupported("bin_auto() without `set query_bin_auto_size`", node)
    size = t.expr(size_node, Row.empty())
    value = t.expr(args[0], row)
    fixed_node = t.options.get("query_bin_auto_at")
    if fixed_node is None:
        return t.call_scalar("bin", [value, size], value.type, node)
    return t.call_scalar("bin_at", [value, size, t.expr(fixed_node, Row.empty())], value.type, node)


def _window(t: Translator, node: Node, row: Row) -> tuple[str, list[Sql]]:
    name = name_text(node.get("Name") or node)
    if row.window is None:
        raise t.position.semantic(f"{name}() needs a serialized input (serialize, sort, top, range...)", node)
    return name, [t.expr(arg, row) for arg in node.arguments()]


def _prev_next(t: Translator, node: Node, row: Row) -> Sql:
    name, args = _window(t, node, row)
    value = args[0]
    offset = args[1].text if len(args) > 1 else "1"
    default = args[2] if len(args) > 2 else None
    func = "lag" if name == "prev" else "lead"
    fallback = default.text if default is not None else ("''" if value.type == "string" else "NULL")
    return Sql(f"{func}({value.text}, {offset}, {fallback}) {WINDOW_MARK}", kusto_type(node), window=True)


def _row_number(t: Translator, node: Node, row: Row) -> Sql:
    if len(node.arguments()) > 1:
        return row_number_restarting(t, node, row)
    _, args = _window(t, node, row)
    start = args[0].text if args else "1"
    return Sql(f"(row_number() {WINDOW_MARK} + {start} - 1)", "long", window=True)


def _column_names_of(t: Translator, node: Node, row: Row) -> Sql:
    """The names of a tabular expression's columns, which the analyzer knows without running it."""
    args = node.arguments()
    columns = args[0].columns if len(args) == 1 else None
    if columns is None:
        raise t.position.unsupported("column_names_of() of this expression", node)
    return literals.dynamic([name for name, _ in columns])


def ingestion_time(t: Translator, node: Node, row: Row) -> Sql:
    """A local record has no ingestion latency: its ingestion time is the row's `_IngestionTime` where its
    table declares one (a fixture that needs a delay), else its `TimeGenerated`."""
    for name in ("_IngestionTime", TIME_COLUMN):
        found = row.columns.get(name)
        if found is not None and found.type == "datetime":
            return found
    raise t.position.unsupported("ingestion_time() where the row has no TimeGenerated column", node)


SPECIAL_CALLS: dict[str, Callable[[Translator, Node, Row], Sql]] = {
    "ingestion_time": ingestion_time,
    "column_names_of": _column_names_of,
    "column_ifexists": _column_ifexists,
    "columnifexists": _column_ifexists,
    "pack_all": _pack_all,
    "bag_pack_columns": _bag_pack_columns,
    "bin_auto": _bin_auto,
    "prev": _prev_next,
    "next": _prev_next,
    "row_number": _row_number,
    **WINDOW_CALLS,
}
