"""Arithmetic on a plugin's timeline column, which may be a datetime (spans in ticks) or a number."""

from __future__ import annotations

from dataclasses import dataclass

from kqlrules.engine.context import Row
from kqlrules.engine.sql import Sql
from kqlrules.engine.translator import Translator
from kqlrules.kusto import Node

NUMERIC = ("long", "int", "real")


@dataclass(frozen=True)
class Timeline:
    """How to shift and bin values of one timeline type; spans are constants (ticks for datetimes)."""

    kind: str

    def shift(self, value: str, span: int | float) -> str:
        if self.kind == "datetime":
            return f"kql_from_ticks(kql_ticks({value}) + {int(span)})"
        return f"({value} + {span!r})"

    def bin_at(self, value: str, size: int | float, start: str) -> str:
        """`bin_at(value, size, start)`: the start of the bin holding `value`, bins laid from `start`."""
        if self.kind == "datetime":
            # On ticks (100 ns), in integers: exact at any distance from the start.
            ticks = int(size)
            return (
                f"kql_from_ticks(kql_ticks({start}) + "
                f"kql_floor_div(kql_ticks({value}) - kql_ticks({start}), {ticks}) * {ticks})"
            )
        text = f"({start} + floor(({value} - {start}) / {size!r}) * {size!r})"
        return f"CAST({text} AS BIGINT)" if self.kind in ("long", "int") else text

    def steps(self, start: str, end: str, size: int | float) -> str:
        """SQL FROM-clause rows `b` holding every bin start from `start` to `end` (inclusive)."""
        if self.kind == "datetime":
            ticks = int(size)
            count = f"kql_floor_div(kql_ticks({end}) - kql_ticks({start}), {ticks}) + 1"
            value = f"kql_from_ticks(kql_ticks({start}) + i * {ticks})"
        else:
            count = f"CAST(floor(({end} - {start}) / {size!r}) AS BIGINT) + 1"
            value = f"({start} + i * {size!r})"
            if self.kind in ("long", "int"):
                value = f"CAST({value} AS BIGINT)"
        return f"(SELECT {value} AS b FROM range(0, greatest({count}, 0)) AS r(i))"


def timeline_of(t: Translator, value: Sql, at: Node) -> Timeline:
    if value.type not in ("datetime", *NUMERIC):
        raise t.position.unsupported(f"a timeline of {value.type}", at)
    return Timeline(value.type)


def constant_span(t: Translator, node: Node, timeline: Timeline, what: str) -> int | float:
    """A constant step or window: a timespan (ticks) for a datetime timeline, a positive number for a
    numeric one."""
    value = t.expr(node, Row.empty())
    number = value.value
    wanted = "timespan" if timeline.kind == "datetime" else None
    if (
        not value.constant
        or isinstance(number, bool)
        or not isinstance(number, int | float)
        or (wanted is not None and value.type != wanted)
        or (wanted is None and value.type not in NUMERIC)
        or number <= 0
    ):
        raise t.position.unsupported(f"a {what} that is not a positive constant of the timeline's type", node)
    return number
