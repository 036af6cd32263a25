"""make-series: per group, one array per aggregate over the bins from `from` (included) to `to` (excluded)
by `step`, absent bins filled with the default (0 unless given), and the array of bin starts. An empty input
makes no row; with `kind=nonempty` (and no `by`), one row of defaults.

Without `from`, each series starts at the first bin that has data in it; without `to`, it ends after the
last bin that has data in it (the make-series reference, parameters start and end). Bins without `from`
lie on bin()'s grid (multiples of the step from 0001-01-01), the grid "first bin" names.
The alternate `in range(start, stop, step)` form differs as documented: stop is inclusive, and the bins lie
on bin()'s grid, so the first may begin before start; every series spans bin(start) to bin(stop)."""

from __future__ import annotations

from kqlrules.engine.context import Row
from kqlrules.engine.functions.datetimes import TICKS_TO_UNIX_EPOCH
from kqlrules.engine.functions.support import datetime_text
from kqlrules.engine.operators.common import cast_to, need_input, row_of
from kqlrules.engine.operators.projection import named_items
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.engine.types import DUCKDB_TYPES, normalise_type
from kqlrules.kusto import Node


def _clause(node: Node, *path: str) -> Node | None:
    current: Node | None = node
    for field in path:
        current = current.get(field) if current is not None else None
    return current


@operator("MakeSeriesOperator")
def make_series(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    nonempty = False
    for param in node.elements("Parameters"):
        if not t.source(param).replace(" ", "").lower().startswith("kind=nonempty"):
            raise t.position.unsupported(f"the parameter {t.source(param)}", param)
        nonempty = True
    output = t.output_columns(node)
    row = row_of(source)
    on_node = _clause(node, "OnClause", "Expression")
    start_node = _clause(node, "RangeClause", "MakeSeriesFromClause", "Expression")
    end_node = _clause(node, "RangeClause", "MakeSeriesToClause", "Expression")
    step_node = _clause(node, "RangeClause", "MakeSeriesStepClause", "Expression")
    in_range_form = _clause(node, "RangeClause")
    stop_node: Node | None = None
    if in_range_form is not None and in_range_form.kind == "MakeSeriesInRangeClause":
        arguments = in_range_form.get("Arguments")
        bounds = arguments.arguments() if arguments is not None else []
        if len(bounds) != 3:
            raise t.position.unsupported("make-series ... in range() without start, stop and step", node)
        range_start, stop_node, step_node = bounds
    if on_node is None or step_node is None:
        raise t.position.unsupported("make-series without on ... step", node)
    if nonempty and (start_node is None or end_node is None) and stop_node is None:
        raise t.position.unsupported("make-series kind=nonempty without from and to", node)
    axis = t.expr(on_node, row)
    constant = Row.empty()
    step = t.expr(step_node, constant)
    start = t.expr(start_node, constant) if start_node is not None else None
    end = t.expr(end_node, constant) if end_node is not None else None
    if axis.type != "datetime" or step.type != "timespan":
        raise t.position.unsupported(f"make-series on a {axis.type} axis", on_node)
    # Bins are counted on ticks (100 ns), in integers: exact to the tick at any distance.
    grid = f"({-TICKS_TO_UNIX_EPOCH})"  # bin()'s origin, 0001-01-01, in ticks from 1970
    step_ticks = f"CAST({step.text} AS BIGINT)"
    range_bins: tuple[str, str] | None = None
    if stop_node is not None:
        low, high = t.expr(range_start, constant), t.expr(stop_node, constant)
        if low.type != "datetime" or high.type != "datetime":
            raise t.position.unsupported("make-series ... in range() of bounds that are not datetimes", node)
        first_bin = f"kql_floor_div(kql_ticks({low.text}) - {grid}, {step_ticks})"
        last_bin = f"kql_floor_div(kql_ticks({high.text}) - {grid}, {step_ticks})"
        range_bins = (first_bin, f"({last_bin} + 1)")
    by_clause = node.get("ByClause")
    keys = named_items(t, by_clause) if by_clause is not None else []
    aggregates = node.elements("Aggregates")
    key_columns = output[: len(keys)]
    series_columns = output[len(keys) : len(keys) + len(aggregates)]
    axis_column = output[len(keys) + len(aggregates)]
    # Bin numbers count steps from the origin: `from`, or bin()'s 0001-01-01 without it.
    origin = f"kql_ticks({start.text})" if start is not None else grid
    index = f"kql_floor_div(kql_ticks({axis.text}) - {origin}, {step_ticks})"
    in_range = " AND ".join(
        [f"{axis.text} IS NOT NULL"]
        + ([f"{axis.text} >= {start.text}"] if start is not None else [])
        + ([f"{axis.text} < {end.text}"] if end is not None else [])
        + ([f"{axis.text} >= {low.text}", f"{axis.text} <= {high.text}"] if range_bins is not None else [])
    )
    key_parts = []
    for column, (_, expression) in zip(key_columns, keys, strict=True):
        key_parts.append(
            f"{cast_to(t.expr(expression, row), column.type)} AS {quote_identifier(column.name)}"
        )
    agg_row = Row(dict(row.columns), aggregates=True)
    agg_parts = []
    defaults = []
    for position, item in enumerate(aggregates):
        found = item.get("Expression") if item.kind == "MakeSeriesExpression" else item
        assert found is not None
        expression = found
        if expression.kind == "SimpleNamedExpression":
            inner = expression.get("Expression")
            assert inner is not None
            expression = inner
        value = t.expr(expression, agg_row)
        agg_parts.append(f"{value.text} AS __kql_a{position}")
        default_node = _clause(item, "DefaultExpression", "Expression")
        element_type = normalise_type(item.type) if item.kind == "MakeSeriesExpression" else value.type
        default = t.expr(default_node, constant) if default_node is not None else Sql("0", element_type)
        duck = DUCKDB_TYPES.get(element_type, "DOUBLE")
        defaults.append(f"CAST(coalesce(x.__kql_a{position}, {default.text}) AS {duck})")
    key_names = [quote_identifier(c.name) for c in key_columns]
    grouped = t.ctes.add(
        f"SELECT {', '.join([*key_parts, f'{index} AS __kql_i', *agg_parts])} FROM {source.name} "
        f"WHERE {in_range} GROUP BY ALL",
        [],
    )
    # Each series' first bin (0 from `from`, else its first bin with data) and its number of bins.
    first = "0" if start is not None else "min(__kql_i)"
    last = (
        f"(-kql_floor_div({origin} - kql_ticks({end.text}), {step_ticks}))"
        if end is not None
        else ("max(__kql_i) + 1")
    )
    if range_bins is not None:
        first, last = range_bins
    present = t.ctes.add(
        f"SELECT {', '.join([*key_names, f'{first} AS __kql_lo', f'{last} AS __kql_hi'])} "
        f"FROM {grouped.name} GROUP BY {', '.join(key_names) or 'ALL'}"
        + ("" if key_names else " HAVING count(*) > 0"),
        [],
    )
    groups = present
    if nonempty and not key_names:
        groups = t.ctes.add(f"SELECT {first} AS __kql_lo, {last} AS __kql_hi", [])
    _guard_groups(t, node, source, key_parts, key_names, present, nonempty)
    join_keys = " AND ".join(
        [f"x.{k} IS NOT DISTINCT FROM g.{k}" for k in key_names] + ["x.__kql_i = g.__kql_lo + b.i"]
    )
    stamps = datetime_text(f"kql_from_ticks({origin} + (g.__kql_lo + b.i) * {step_ticks})")
    lists = [
        f"CAST(to_json(list({d} ORDER BY b.i)) AS JSON) AS {quote_identifier(c.name)}"
        for d, c in zip(defaults, series_columns, strict=True)
    ]
    lists.append(
        f"CAST(to_json(list({stamps} ORDER BY b.i)) AS JSON) "
        f"AS {quote_identifier(axis_column.name)}"
    )
    select_keys = [f"g.{k}" for k in key_names]
    sql = (
        f"SELECT {', '.join([*select_keys, *lists])} FROM {groups.name} AS g "
        f"CROSS JOIN LATERAL (SELECT range AS i FROM range(0, greatest(g.__kql_hi - g.__kql_lo, 0))) AS b "
        f"LEFT JOIN {grouped.name} AS x ON {join_keys}"
        + f" GROUP BY {', '.join([*select_keys, 'g.__kql_lo', 'g.__kql_hi'])}"
    )
    return t.ctes.add(sql, output)


def _guard_groups(
    t: Translator,
    node: Node,
    source: Relation,
    key_parts: list[str],
    keys: list[str],
    present: Relation,
    nonempty: bool,
) -> None:
    """The reference says an empty input makes no series (one of default values with `kind=nonempty`).
    It does not say whether a group whose rows all fall outside [from, to) gets a series of defaults, nor
    what `kind=nonempty` makes of an empty input grouped `by` keys: such inputs are refused at run time."""
    listed = t.ctes.add(f"SELECT DISTINCT {', '.join(key_parts) or '1 AS __kql_one'} FROM {source.name}", [])
    match = " AND ".join(f"u.{k} IS NOT DISTINCT FROM p.{k}" for k in keys) or "TRUE"
    t.guard(
        node,
        f"SELECT count(*) FROM {listed.name} AS u WHERE NOT EXISTS "
        f"(SELECT 1 FROM {present.name} AS p WHERE {match})",
        "make-series of a group whose rows all fall outside its range",
    )
    if nonempty and keys:
        t.guard(
            node,
            f"SELECT NOT EXISTS (SELECT 1 FROM {source.name})",
            "make-series kind=nonempty by keys of an empty input",
        )
