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
            return f"({value} + to_microseconds(CAST({int(span) // 10} AS BIGINT)))"
        return f"({value} + {span!r})"

    def bin_at(self, value: str, size: int | float, start: str) -> str:
        """`bin_at(value, size, start)`: the start of the bin holding `value`, bins laid from `start`."""
        if self.kind == "datetime":
            micros = int(size) // 10
            return (
                f"make_timestamp(epoch_us({start}) + "
                f"CAST(floor((epoch_us({value}) - epoch_us({start})) / {micros}) AS BIGINT) * {micros})"
            )
        text = f"({start} + floor(({value} - {start}) / {size!r}) * {size!r})"
        return f"CAST({text} AS BIGINT)" if self.kind in ("long", "int") else text

    def steps(self, start: str, end: str, size: int | float) -> str:
        """SQL FROM-clause rows `b` holding every bin start from `start` to `end` (inclusive)."""
        if self.kind == "datetime":
            micros = int(size) // 10
            count = f"CAST(floor((epoch_us({end}) - epoch_us({start})) / {micros}) AS BIGINT) + 1"
            value = f"make_timestamp(epoch_us({start}) + i * {micros})"
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
    """A constant step or window: a timespan (ticks, whole microseconds) for a datetime timeline, a positive
    number for a numeric one."""
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
        or (timeline.kind == "datetime" and number % 10)
    ):
        raise t.position.unsupported(f"a {what} that is not a positive constant of the timeline's type", node)
    return number
