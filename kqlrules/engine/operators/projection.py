"""Operators that compute or choose columns: extend, project, project-away/-keep/-rename/-reorder.

Output names and order come from the analyzer (`Column1`, `d_k`, replaced columns...); each expression is
paired with its output column here.
"""

from __future__ import annotations

import fnmatch

from kqlrules.engine.context import Row
from kqlrules.engine.functions.series_anomaly import ANOMALY_FIELDS, DECOMPOSE_FIELDS, PERIODS_FIELDS
from kqlrules.engine.functions.series_fit import FIT_LINE_FIELDS
from kqlrules.engine.functions.series_fit_poly import FIT_POLY_FIELDS
from kqlrules.engine.functions.series_fourier import FOURIER_FIELDS
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import cast_to, need_input, passthrough, row_of, select
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node
from kqlrules.table import Column


def named_items(
    t: Translator, node: Node, field: str = "Expressions", *, compound: bool = False
) -> list[tuple[str | None, Node]]:
    """(declared name or None, expression) for each item of an operator's expression list. With `compound`,
    `(a, b) = f(...)` passes as f(...) unnamed: the caller pairs it with the analyzer's columns."""
    items: list[tuple[str | None, Node]] = []
    for item in node.elements(field):
        if item.kind == "SimpleNamedExpression":
            name_node, expression = item.get("Name"), item.get("Expression")
            assert name_node is not None and expression is not None
            items.append((name_text(name_node), expression))
        elif item.kind == "CompoundNamedExpression" and compound and item.get("Expression") is not None:
            inner = item.get("Expression")
            assert inner is not None
            items.append((None, inner))
        elif item.kind == "CompoundNamedExpression":
            raise t.position.unsupported("naming several columns at once: (a, b) = ...", item)
        else:
            items.append((None, item))
    return items


def implicit_name(t: Translator, expression: Node) -> str | None:
    """The name Kusto gives an unnamed column reference."""
    if expression.kind == "NameReference" and expression.symbol and expression.symbol[1] == "Column":
        return name_text(expression)
    return None


def _derived_name(t: Translator, expression: Node) -> str | None:
    """The column a call on one column is named after (`tostring(x)` -> `x`)."""
    if expression.kind != "FunctionCallExpression":
        return None
    args = expression.arguments()
    return implicit_name(t, args[0]) if args else None


def assign_names(
    t: Translator, items: list[tuple[str | None, Node]], existing: set[str], output: list[Column]
) -> list[tuple[str, Node]]:
    """Pair unnamed expressions with the new output columns the analyzer made for them, in order."""
    taken = set(existing)
    fresh = [c.name for c in output if c.name not in existing]
    named = {name for name, _ in items if name is not None}
    pool = [name for name in fresh if name not in named]
    result: list[tuple[str, Node]] = []
    for name, expression in items:
        if name is None:
            name = implicit_name(t, expression)
            if name is None or (name not in taken and name not in pool):
                derived = _derived_name(t, expression)
                if not pool and derived in existing and derived in {c.name for c in output}:
                    # `extend tostring(x)`: the analyzer makes no new column; the call replaces `x`.
                    name = derived
                elif not pool:
                    raise t.position.unsupported("naming this column", expression)
                else:
                    name = pool.pop(0)
            elif name in pool:
                pool.remove(name)
        taken.add(name)
        result.append((name, expression))
    return result


@operator("ExtendOperator")
def extend(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    output = t.output_columns(node)
    row = row_of(source)
    if any(fields_of(t, e) for _, e in named_items(t, node, compound=True)):
        fresh = [c for c in output if c.name not in {s.name for s in source.columns}]
        values = with_fields(t, named_items(t, node, compound=True), fresh, row, node)
        chosen = [(c, values[c.name] if c.name in values else quote_identifier(c.name)) for c in output]
        return select(t, source, chosen)
    pairs = assign_names(t, named_items(t, node), {c.name for c in source.columns}, output)
    computed: dict[str, Sql] = {}
    inputs = {c.name for c in source.columns}
    for name, expression in pairs:
        # Every expression of one extend reads the input row: the analyzer binds a name an earlier item of the
        # same extend redefines to the input column (its type, not the new one's), and refuses a name only an
        # earlier item defines ("does not refer to any known column").
        redefined = sorted(n for n in computed if n in inputs)
        if redefined and "pack_all" in t.source(expression):
            # Whether pack_all() then packs the input value or the new one is not documented
            # (pack-all-function.md): refused rather than guessed.
            raise t.position.unsupported(
                f"pack_all() after {redefined[0]} is computed again in the operator", expression
            )
        computed[name] = t.expr(expression, row)
    items: list[tuple[Column, str]] = []
    for column in output:
        found = computed.get(column.name)
        items.append((column, cast_to(found, column.type) if found else quote_identifier(column.name)))
    return select(t, source, items)


@operator("ProjectOperator")
def project(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    output = t.output_columns(node)
    row = row_of(source)
    if any(fields_of(t, e) for _, e in named_items(t, node, compound=True)):
        values = with_fields(t, named_items(t, node, compound=True), output, row, node)
        return select(t, source, [(c, values[c.name]) for c in output])
    items = named_items(t, node)
    if len(items) != len(output):
        raise t.position.unsupported("this project list", node)
    inputs = {c.name for c in source.columns}
    selected: list[tuple[Column, str]] = []
    for column, (_, expression) in zip(output, items, strict=True):
        value = t.expr(expression, row)
        selected.append((column, cast_to(value, column.type)))
        if column.name not in inputs:
            row.columns[column.name] = Sql(f"({value.text})", value.type)
    return select(t, source, selected)


@operator("ProjectAwayOperator", "ProjectKeepOperator", "ProjectReorderOperator")
def choose(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    output = t.output_columns(node)
    if not output:
        # project-away-operator.md and project-keep-operator.md do not say what a table left with no column
        # is (SQL has no such row): refused rather than answered with a made-up row.
        operator_name = {"ProjectAwayOperator": "project-away", "ProjectKeepOperator": "project-keep"}
        raise t.position.unsupported(f"{operator_name.get(node.kind, 'an operator')} leaving no column", node)
    names = {c.name for c in source.columns}
    missing = [c.name for c in output if c.name not in names]
    if missing:
        raise t.position.semantic(f"no column {missing[0]}", node)
    return select(t, source, passthrough(source, output))


@operator("ProjectRenameOperator")
def rename(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    output = t.output_columns(node)
    renames: dict[str, str] = {}
    for new, expression in named_items(t, node):
        old = implicit_name(t, expression)
        if new is None or old is None:
            raise t.position.unsupported("this project-rename", expression)
        renames[new] = old
    items = [(c, quote_identifier(renames.get(c.name, c.name))) for c in output]
    return select(t, source, items)


def scalar_row() -> Row:
    return Row.empty()


@operator("ProjectByNamesOperator")
def project_by_names(t: Translator, node: Node, source: Relation | None) -> Relation:
    """The columns named by constant strings or arrays of strings (`*` wildcards allowed), in the order
    named, each once; names the input lacks are skipped."""
    source = need_input(t, node, source)
    names: list[str] = []
    for item in node.elements("Expressions"):
        value = t.expr(item, Row.empty())
        if not value.constant:
            raise t.position.unsupported("project-by-names with computed names", item)
        given = value.value if isinstance(value.value, list) else [value.value]
        for name in given:
            name = name.value if isinstance(name, Sql) else name
            if not isinstance(name, str):
                raise t.position.unsupported("project-by-names with a name that is not a string", item)
            for column in source.columns:
                if fnmatch.fnmatchcase(column.name, name) and column.name not in names:
                    names.append(column.name)
    output = t.output_columns(node)
    if [c.name for c in output] != names:
        raise t.position.unsupported("the columns of this project-by-names", node)
    return select(t, source, passthrough(source, output))


# Functions that make several columns: the bag function computing them, and its fields in column order.
_MULTI_COLUMN = {
    "series_stats": (
        "series_stats_dynamic",
        ["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"],
    ),
    "series_fit_line": ("series_fit_line_dynamic", FIT_LINE_FIELDS),
    "series_fit_poly": ("series_fit_poly", FIT_POLY_FIELDS),
    "series_fft": ("series_fft", FOURIER_FIELDS),
    "series_ifft": ("series_ifft", FOURIER_FIELDS),
    "series_decompose_anomalies": ("series_decompose_anomalies", ANOMALY_FIELDS),
    "series_decompose": ("series_decompose", DECOMPOSE_FIELDS),
    "series_periods_detect": ("series_periods_detect", PERIODS_FIELDS),
    "series_periods_validate": ("series_periods_validate", PERIODS_FIELDS),
}


def fields_of(t: Translator, expression: Node) -> tuple[str, list[str]] | None:
    """(the function computing the columns as one dynamic value, the JSON path step of each column)."""
    if expression.kind != "FunctionCallExpression" or expression.expansion is not None:
        return None
    name_node = expression.get("Name")
    name = name_text(name_node) if name_node is not None else ""
    if name in ("array_sort_asc", "array_sort_desc"):
        # Several arrays make one column each, the first sorted and the others in its order
        # (array-sort-asc-function.md): the function returns them as one array of arrays.
        arrays = [a for a in expression.arguments() if a.type != "bool"]
        return (name, [f"[{i}]" for i in range(len(arrays))]) if len(arrays) > 1 else None
    found = _MULTI_COLUMN.get(name)
    return (found[0], [f".{key}" for key in found[1]]) if found is not None else None


def with_fields(
    t: Translator, items: list[tuple[str | None, Node]], columns: list[Column], row: Row, node: Node
) -> dict[str, str]:
    """The SQL of each new column, for a list whose items may make several columns each (taken in order
    from `columns`, the analyzer's new columns). Items naming columns the input has are refused here."""
    values: dict[str, str] = {}
    pending = list(columns)
    for name, expression in items:
        fields = fields_of(t, expression)
        if fields is None:
            if not pending or (name is not None and pending[0].name != name):
                raise t.position.unsupported("the columns of this list", node)
            column = pending.pop(0)
            value = t.expr(expression, row)
            values[column.name] = cast_to(value, column.type)
            row.columns[column.name] = Sql(f"({value.text})", value.type)
            continue
        if name is not None or len(pending) < len(fields[1]):
            raise t.position.unsupported("the columns of this list", node)
        function, keys = fields
        arguments = [t.expr(a, row) for a in expression.arguments()]
        bag = t.call_scalar(function, arguments, "dynamic", expression)
        for key in keys:
            column = pending.pop(0)
            element = Sql(f"json_extract({bag.text}, '${key}')", "dynamic")
            if column.type == "dynamic":
                value = element
            else:
                converter = "toreal" if column.type == "real" else "tolong"
                value = t.call_scalar(converter, [element], column.type, expression)
            values[column.name] = cast_to(value, column.type)
            row.columns[column.name] = Sql(f"({value.text})", value.type)
    if pending:
        raise t.position.unsupported("the columns of this list", node)
    return values
