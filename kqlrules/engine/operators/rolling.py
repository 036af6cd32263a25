"""Plugins over bins of a timeline: `activity_counts_metrics` and `rolling_percentile`.

- activity_counts_metrics: per window of Step from Start (`bin_at`) to End: the rows, the distinct ids, the
  ids not seen in an earlier window, and the distinct ids of all windows so far. Refused: rows outside
  [Start, End] (whether they count as earlier windows or are dropped is not documented) and windows without
  rows (listed with zeros or left out).
- rolling_percentile: per bin of the index (`bin()`), the nearest-rank percentile (the value at rank
  ceil(P/100 * N), as the docs' medians are) of the values in the window of BinsPerWindow bins ending at it.
  Refused: bins without rows between the first and the last bin of a slice.
"""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.operators.activity import dimension_columns, dimensions, positional
from kqlrules.engine.operators.common import row_of
from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.operators.timeline import constant_span, timeline_of
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


@plugin("activity_counts_metrics")
def activity_counts_metrics(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = positional(t, call, 5)
    row = row_of(source)
    ident, time = t.expr(args[0], row), t.expr(args[1], row)
    timeline = timeline_of(t, time, args[1])
    bounds = [t.expr(a, Row.empty()) for a in args[2:4]]
    if any(b.type != time.type for b in bounds):
        raise t.position.unsupported("activity_counts_metrics with bounds of another type", call)
    start, end = (b.text for b in bounds)
    size = constant_span(t, args[4], timeline, "step")
    dims = dimensions(t, args[5:], source)
    output = t.output_columns(node)
    names = [quote_identifier(c.name) for c in output]
    dim_names, dim_select = dimension_columns(dims)
    rows = t.ctes.add(
        f"SELECT {ident.text} AS __id, {time.text} AS __t, {timeline.bin_at(time.text, size, start)} AS __b"
        f"{dim_select} FROM {source.name} WHERE {time.text} IS NOT NULL",
        [],
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {rows.name} WHERE __t < {start} OR __t > {end}",
        "activity_counts_metrics of rows outside [Start, End]",
    )
    bins = t.ctes.add(f"SELECT b FROM {timeline.steps(start, end, size)}", [])
    combos = t.ctes.add(
        f"SELECT DISTINCT {', '.join(dim_names)} FROM {rows.name}" if dim_names else "SELECT NULL AS __none",
        [],
    )
    same = "".join(f" AND r.{n} IS NOT DISTINCT FROM c.{n}" for n in dim_names)
    firsts = t.ctes.add(
        f"SELECT __id{''.join(', ' + n for n in dim_names)}, min(__b) AS __first FROM {rows.name} "
        f"GROUP BY ALL",
        [],
    )
    same_first = "".join(f" AND f.{n} IS NOT DISTINCT FROM c.{n}" for n in dim_names)
    windows = t.ctes.add(
        f"SELECT s.b{''.join(f', c.{n}' for n in dim_names)}, count(r.__t) AS __count, "
        f"count(DISTINCT r.__id) AS __dcount, "
        f"(SELECT count(*) FROM {firsts.name} AS f WHERE f.__first = s.b{same_first}) AS __new, "
        f"(SELECT count(*) FROM {firsts.name} AS f WHERE f.__first <= s.b{same_first}) AS __total "
        f"FROM {bins.name} AS s CROSS JOIN {combos.name} AS c "
        f"LEFT JOIN {rows.name} AS r ON r.__b = s.b{same} GROUP BY ALL",
        [],
    )
    t.guard(
        node,
        f"SELECT count(*) FROM {windows.name} WHERE __count = 0",
        "activity_counts_metrics with a window without rows (listed with zeros or left out: not documented)",
    )
    parts = [f"b AS {names[0]}"]
    parts += [f"{n} AS {name}" for n, name in zip(dim_names, names[1:-4], strict=True)]
    parts += [
        f"{value} AS {name}"
        for value, name in zip(("__count", "__dcount", "__new", "__total"), names[-4:], strict=True)
    ]
    return t.ctes.add(f"SELECT {', '.join(parts)} FROM {windows.name}", output)


@plugin("rolling_percentile")
def rolling_percentile(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = positional(t, call, 5)
    row = row_of(source)
    value, index = t.expr(args[0], row), t.expr(args[2], row)
    if value.type not in ("long", "int", "real", "datetime", "timespan"):
        raise t.position.unsupported(f"rolling_percentile of {value.type}", args[0])
    percentile = t.expr(args[1], Row.empty())
    if (
        not percentile.constant
        or isinstance(percentile.value, bool)
        or not isinstance(percentile.value, int | float)
        or not 0 <= percentile.value <= 100
    ):
        raise t.position.unsupported("rolling_percentile of a percentile that is not a constant", args[1])
    timeline = timeline_of(t, index, args[2])
    size = constant_span(t, args[3], timeline, "bin size")
    count = t.expr(args[4], Row.empty())
    if (
        not count.constant
        or not isinstance(count.value, int)
        or isinstance(count.value, bool)
        or count.value < 1
    ):
        raise t.position.unsupported("rolling_percentile with a window that is not a constant count", args[4])
    dims = dimensions(t, args[5:], source)
    output = t.output_columns(node)
    names = [quote_identifier(c.name) for c in output]
    dim_names, dim_select = dimension_columns(dims)
    origin = "TIMESTAMP '1970-01-01'" if timeline.kind == "datetime" else "0"
    rows = t.ctes.add(
        f"SELECT {value.text} AS __v, {timeline.bin_at(index.text, size, origin)} AS __b{dim_select} "
        f"FROM {source.name} WHERE {index.text} IS NOT NULL",
        [],
    )
    bins = t.ctes.add(f"SELECT DISTINCT __b{''.join(', ' + n for n in dim_names)} FROM {rows.name}", [])
    group = ", ".join(dim_names) or "NULL"
    span = (
        f"(kql_ticks(max(__b)) - kql_ticks(min(__b))) // {int(size)}"
        if timeline.kind == "datetime"
        else (f"(max(__b) - min(__b)) / {size!r}")
    )
    t.guard(
        node,
        f"SELECT count(*) FROM (SELECT count(*) AS n, {span} + 1 AS expected FROM {bins.name} "
        f"GROUP BY {group}) WHERE n <> expected",
        "rolling_percentile with bins without rows inside a slice (listed or left out: not documented)",
    )
    same = "".join(f" AND r.{n} IS NOT DISTINCT FROM s.{n}" for n in dim_names)
    first = timeline.shift("s.__b", -size * count.value)
    parts = [f"s.__b AS {names[0]}"]
    parts += [f"s.{n} AS {name}" for n, name in zip(dim_names, names[1:-1], strict=True)]
    values = "list(r.__v ORDER BY r.__v) FILTER (WHERE r.__v IS NOT NULL)"
    ranked = f"kql_nearest_rank({values}, {percentile.value / 100!r})"
    parts.append(f"{ranked} AS {names[-1]}")
    return t.ctes.add(
        f"SELECT {', '.join(parts)} FROM {bins.name} AS s JOIN {rows.name} AS r "
        f"ON r.__b > {first} AND r.__b <= s.__b{same} GROUP BY ALL",
        output,
    )
