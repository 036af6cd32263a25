"""sequence_detect of two steps: every pair of rows with the same dimensions, one matching each step's
predicate, the second later than the first by at most MaxSequenceStepWindow and MaxSequenceSpan; a row per
pair (dimensions, each step's time, Duration), as the docs' example lists every such pair.

Refused where the docs are silent: a row matching two steps' predicates, two steps at the same time or a
gap exactly at a limit (strict or inclusive bounds), unnamed steps (the analyzer names them all `_t`) and
more than two steps."""

from __future__ import annotations

from kqlrules.engine.names import name_text
from kqlrules.engine.operators.activity import dimension_columns, dimensions
from kqlrules.engine.operators.common import condition, row_of
from kqlrules.engine.operators.registry import plugin
from kqlrules.engine.operators.timeline import Timeline, constant_span
from kqlrules.engine.relation import Relation
from kqlrules.engine.sql import quote_identifier
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node


@plugin("sequence_detect")
def sequence_detect(t: Translator, node: Node, call: Node, source: Relation) -> Relation:
    args = call.arguments()
    steps = [a for a in args[3:] if a.kind == "SimpleNamedExpression"]
    rest = args[3 + len(steps) :]
    if len(args) < 5 or len(steps) != 2 or any(a.kind == "SimpleNamedExpression" for a in rest):
        # The docs show pairs only: whether longer sequences list every chain is not documented.
        raise t.position.unsupported("sequence_detect with other than two named steps", call)
    row = row_of(source)
    time = t.expr(args[0], row)
    if time.type != "datetime":
        raise t.position.unsupported(f"sequence_detect over a {time.type} timeline", args[0])
    timeline = Timeline("datetime")
    window = constant_span(t, args[1], timeline, "step window")
    span = constant_span(t, args[2], timeline, "sequence span")
    predicates = []
    for step in steps:
        expression = step.get("Expression")
        assert expression is not None
        value = t.expr(expression, row)
        if value.type != "bool":
            raise t.position.unsupported("a sequence_detect step that is not a predicate", step)
        predicates.append(condition(value))
    dims = dimensions(t, rest, source)
    output = t.output_columns(node)
    if len(output) != len(dims) + len(steps) + 1:
        raise t.position.unsupported("sequence_detect with these arguments", call)
    dim_names, dim_select = dimension_columns(dims)
    flags = "".join(f", {p} AS __p{i}" for i, p in enumerate(predicates))
    rows = t.ctes.add(
        f"SELECT {time.text} AS __t{dim_select}{flags} FROM {source.name} WHERE {time.text} IS NOT NULL", []
    )
    line_col = " + ".join(f"CAST(__p{i} AS INTEGER)" for i in range(len(predicates)))
    t.guard(
        node,
        f"SELECT count(*) FROM {rows.name} WHERE {line_col} > 1",
        "sequence_detect where a row matches two steps",
    )
    joins, strict, loose = [f"{rows.name} AS s0"], [], []
    for index in range(1, len(steps)):
        before, after = f"s{index - 1}", f"s{index}"
        same = "".join(f" AND {after}.{n} IS NOT DISTINCT FROM s0.{n}" for n in dim_names)
        joins.append(f"JOIN {rows.name} AS {after} ON {after}.__p{index}{same}")
        limit = timeline.shift(f"{before}.__t", window)
        strict.append(f"{after}.__t > {before}.__t AND {after}.__t <= {limit}")
        loose.append(f"{after}.__t >= {before}.__t AND {after}.__t <= {limit}")
        loose.append(f"({after}.__t = {before}.__t OR {after}.__t = {limit})")
    last = f"s{len(steps) - 1}.__t"
    end = timeline.shift("s0.__t", span)
    chains = f"FROM {' '.join(joins)} WHERE s0.__p0"
    loose_chains = f"{chains} AND {' AND '.join(loose[0::2])} AND {last} <= {end}"
    at_limit = " OR ".join([*loose[1::2], f"{last} = {end}"])
    t.guard(
        node,
        f"SELECT count(*) {loose_chains} AND ({at_limit})",
        "sequence_detect with steps at the same time or exactly at a limit (bounds not documented)",
    )
    names = [quote_identifier(c.name) for c in output]
    parts = [f"s0.{n} AS {name}" for n, name in zip(dim_names, names, strict=False)]
    parts += [f"s{i}.__t AS {names[len(dims) + i]}" for i in range(len(steps))]
    parts.append(f"(kql_ticks({last}) - kql_ticks(s0.__t)) AS {names[-1]}")
    if len({name_text(s.get("Name") or s) for s in steps}) != len(steps):
        raise t.position.unsupported("sequence_detect steps of the same name", call)
    return t.ctes.add(
        f"SELECT {', '.join(parts)} {chains} AND {' AND '.join(strict)} AND {last} <= {end}", output
    )
