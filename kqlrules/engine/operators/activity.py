"""User-activity plugins over a timeline: `active_users_count` and `sliding_window_counts`.

Bins are laid from Start (`bin_at(t, Bin, Start)`) up to End, both included, as the docs' outputs show. Where
the docs leave a boundary open the plan answers only for inputs that do not reach it:

- active_users_count: a user is active at an appearance t when its appearances in (t - LookbackWindow, t]
  cover at least ActivePeriodsCount distinct periods; each bin counts the users active at one of its
  appearances. Appearances before Start count for the lookback only. Whether the lookback is measured on
  times or on whole periods is not documented: the plan refuses timelines not aligned to Period.
- sliding_window_counts: each bin b counts the rows (and distinct ids) of the bins in (b - LookbackWindow, b],
  the lookback rounded down to a multiple of the bin (documented).
  Refused: rows before Start or after End that would fall in a bin (the docs do not say how they count), and
  bins with an empty window (whether they are listed with zeros or left out is not documented).
"""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.operators.common import row_of
from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.operators.timeline import constant_span, timeline_of
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


def positional(t: Translator, call: Node, least: int) -> list[Node]:
    args = call.arguments()
    if any(a.kind == "SimpleNamedExpression" for a in args) or len(args) < least:
        raise t.position.unsupported(f"{t.source(call)} with these arguments", call)
    return args


def dimensions(t: Translator, nodes: list[Node], source: Relation) -> list[Sql]:
    row = row_of(source)
    found = []
    for node in nodes:
        value = t.expr(node, row)
        if value.type == "dynamic":
            raise t.position.unsupported("a dynamic dimension", node)
        found.append(value)
    return found


def dimension_columns(dims: list[Sql]) -> tuple[list[str], str]:
    """The dimensions' names in the plugin's CTEs (`__d0`...) and the select list that names them."""
    names = [f"__d{i}" for i in range(len(dims))]
    return names, "".join(f", {d.text} AS {n}" for d, n in zip(dims, names, strict=True))


def _scalar(t: Translator, node: Node, kind: str) -> str:
    value = t.expr(node, Row.empty())
    if value.type != kind:
        raise t.position.unsupported(f"{t.source(node)} as a {kind} bound", node)
    return value.text


@plugin("active_users_count")
def active_users_count(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = positional(t, call, 8)
    row = row_of(source)
    ident, time = t.expr(args[0], row), t.expr(args[1], row)
    timeline = timeline_of(t, time, args[1])
    start, end = _scalar(t, args[2], time.type), _scalar(t, args[3], time.type)
    lookback = constant_span(t, args[4], timeline, "lookback window")
    period = constant_span(t, args[5], timeline, "period")
    needed = t.expr(args[6], Row.empty())
    if not needed.constant or not isinstance(needed.value, int) or isinstance(needed.value, bool):
        raise t.position.unsupported("an active periods count that is not a constant integer", args[6])
    size = constant_span(t, args[7], timeline, "bin")
    dims = dimensions(t, args[8:], source)
    output = t.output_columns(node)
    names = [quote_identifier(c.name) for c in output]
    dim_names, dim_select = dimension_columns(dims)
    rows = t.ctes.add(
        f"SELECT {ident.text} AS __id, {time.text} AS __t{dim_select} FROM {source.name} "
        f"WHERE {time.text} IS NOT NULL",
        [],
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {rows.name} WHERE __t <> {timeline.bin_at('__t', period, start)}",
        "active_users_count over times not aligned to its period (whether the lookback is measured on times "
        "or on whole periods is not documented)",
    )
    same_dims = "".join(f" AND b.{n} IS NOT DISTINCT FROM a.{n}" for n in dim_names)
    a_dims = "".join(f", a.{n}" for n in dim_names)
    active = t.ctes.add(
        f"SELECT a.__id, a.__t{a_dims} FROM {rows.name} AS a JOIN {rows.name} AS b "
        f"ON b.__id IS NOT DISTINCT FROM a.__id{same_dims} "
        f"AND b.__t > {timeline.shift('a.__t', -lookback)} AND b.__t <= a.__t "
        f"WHERE a.__t >= {start} AND a.__t <= {end} "
        f"GROUP BY a.__id, a.__t{a_dims} HAVING count(DISTINCT b.__t) >= {needed.value}",
        [],
    )
    keys = [f"{timeline.bin_at('__t', size, start)} AS {names[0]}"]
    keys += [f"{n} AS {name}" for n, name in zip(dim_names, names[1:-1], strict=True)]
    group = ", ".join(str(i + 1) for i in range(len(keys)))
    return t.ctes.add(
        f"SELECT {', '.join(keys)}, count(DISTINCT __id) AS {names[-1]} FROM {active.name} GROUP BY {group}",
        output,
    )


@plugin("sliding_window_counts")
def sliding_window_counts(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = positional(t, call, 6)
    row = row_of(source)
    ident, time = t.expr(args[0], row), t.expr(args[1], row)
    timeline = timeline_of(t, time, args[1])
    start, end = _scalar(t, args[2], time.type), _scalar(t, args[3], time.type)
    lookback = constant_span(t, args[4], timeline, "lookback window")
    size = constant_span(t, args[5], timeline, "bin")
    # The docs: a lookback that is not a multiple of the bin is rounded down to one.
    lookback = (lookback // size) * size
    dims = dimensions(t, args[6:], source)
    output = t.output_columns(node)
    names = [quote_identifier(c.name) for c in output]
    dim_names, dim_select = dimension_columns(dims)
    rows = t.ctes.add(
        f"SELECT {ident.text} AS __id, {time.text} AS __t, {timeline.bin_at(time.text, size, start)} AS __b"
        f"{dim_select} FROM {source.name} WHERE {time.text} IS NOT NULL",
        [],
    )
    bins = t.ctes.add(f"SELECT b FROM {timeline.steps(start, end, size)}", [])
    last = f"(SELECT max(b) FROM {bins.name})"
    t.guard(
        node,
        f"SELECT count(*) FROM {rows.name} WHERE (__t < {start} OR __t > {end}) AND __b <= {last} "
        f"AND __b > {timeline.shift(start, -lookback)}",
        "sliding_window_counts of rows outside [Start, End] that fall in a bin's window",
    )
    # Without dimensions every bin has a window; with them, each combination seen in [Start, End] has.
    combos = t.ctes.add(
        f"SELECT DISTINCT {', '.join(dim_names)} FROM {rows.name} WHERE __t >= {start} AND __t <= {end}"
        if dim_names
        else "SELECT NULL AS __none",
        [],
    )
    same = "".join(f" AND r.{n} IS NOT DISTINCT FROM c.{n}" for n in dim_names)
    windows = t.ctes.add(
        f"SELECT s.b{''.join(f', c.{n}' for n in dim_names)}, count(r.__t) AS __count, "
        f"count(DISTINCT r.__id) AS __dcount FROM {bins.name} AS s CROSS JOIN {combos.name} AS c "
        f"LEFT JOIN {rows.name} AS r ON r.__b > {timeline.shift('s.b', -lookback)} AND r.__b <= s.b"
        f" AND r.__t >= {start} AND r.__t <= {end}{same} "
        f"GROUP BY ALL",
        [],
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {windows.name} WHERE __count = 0",
        "sliding_window_counts with a bin whose window is empty "
        "(listed with zeros or left out: not documented)",
    )
    parts = [f"b AS {names[0]}"] + [f"{n} AS {name}" for n, name in zip(dim_names, names[1:-2], strict=True)]
    return t.ctes.add(
        f"SELECT {', '.join(parts)}, __count AS {names[-2]}, __dcount AS {names[-1]} FROM {windows.name}",
        output,
    )
