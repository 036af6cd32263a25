"""Literal nodes of the analyzer's tree as SQL constants.

The analyzer exports some literals lossily (clock timespans as 0, datetimes to the millisecond): the forms it
gets wrong are read again from the query's text here, and a literal neither reading can vouch for is refused.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kqlrules.engine import literals
from kqlrules.engine.functions.parsing import parse_timespan_ticks
from kqlrules.engine.literals import from_analyzer
from kqlrules.engine.names import name_text
from kqlrules.engine.sql import Sql
from kqlrules.engine.tree import Node
from kqlrules.engine.types import normalise_type

if TYPE_CHECKING:
    from kqlrules.engine.translator import Translator

LITERAL_KINDS = frozenset(
    {
        "StringLiteralExpression",
        "CompoundStringLiteralExpression",
        "LongLiteralExpression",
        "IntLiteralExpression",
        "RealLiteralExpression",
        "DecimalLiteralExpression",
        "BooleanLiteralExpression",
        "DateTimeLiteralExpression",
        "TimespanLiteralExpression",
        "GuidLiteralExpression",
        "DynamicExpression",
    }
)

_DAYS_TIMESPAN = re.compile(r"\s*(?:time|timespan)\s*\(\s*(\d+)\s*\)\s*")
_NUMBER_TIMESPAN = re.compile(r"\s*(?:time|timespan)\s*\(\s*[-+]?[\d.]+\s*\)\s*")
_CLOCK_TIMESPAN = re.compile(r"\s*(?:time|timespan)\s*\(\s*([-+]?[\d.]*\d:[\d:.]*)\s*\)\s*")
_UNREAD_DATETIME = datetime(1, 1, 1)
_MIN_DATETIME_TEXT = re.compile(r"\(\s*0*1-0?1-0?1\b")
_DATETIME_FRACTION = re.compile(r"\d:\d\d:\d\d\.(\d+)")


def literal(t: Translator, node: Node) -> Sql:
    if node.kind == "DynamicExpression":
        inner = node.get("Expression")
        if inner is None:
            raise t.position.unsupported(f"the literal {t.source(node)}", node)
        return literals.dynamic(json_value(t, inner))
    try:
        result = from_analyzer(node.kind, node.value, normalise_type(node.type))
    except (ValueError, TypeError):
        raise t.position.unsupported(f"the literal {t.source(node)}", node) from None
    if node.kind == "DateTimeLiteralExpression" and result.value is not None:
        if result.value == _UNREAD_DATETIME and not _MIN_DATETIME_TEXT.search(t.source(node)):
            # The analyzer's value for a literal it could not read (`datetime(2017 - 08 - 01)`).
            raise t.position.unsupported(f"the literal {t.source(node)}", node)
        return _precise_datetime(t, node, result)
    if node.kind == "TimespanLiteralExpression":
        return _clock_timespan(t, node, result)
    return result


def _clock_timespan(t: Translator, node: Node, analyzed: Sql) -> Sql:
    """The analyzer exports `time(29.09:00:05.12345)` and the other clock forms as 0: read them here."""
    text = t.source(node)
    days = _DAYS_TIMESPAN.fullmatch(text)
    if days is not None:  # time(2) is two days, as the reference lists
        return literals.ticks(int(days.group(1)) * 864_000_000_000)
    if _NUMBER_TIMESPAN.fullmatch(text):
        raise t.position.unsupported(f"the literal {text} (a number of days not documented)", node)
    clock = _CLOCK_TIMESPAN.fullmatch(text)
    if clock is None:
        return analyzed
    value = parse_timespan_ticks(clock.group(1))
    fraction = clock.group(1).split(":")[-1].partition(".")[2]
    if value is None or len(fraction) > 7:  # finer than a tick
        raise t.position.unsupported(f"the literal {text}", node)
    return literals.ticks(value)


def _precise_datetime(t: Translator, node: Node, analyzed: Sql) -> Sql:
    """The analyzer exports datetimes to the millisecond: read the microseconds from the literal's text,
    and refuse a fraction finer than the engine's microsecond (rounding it would change answers)."""
    text = t.source(node)
    fraction = _DATETIME_FRACTION.search(text)
    if fraction is None:
        return analyzed
    digits = fraction.group(1)
    if digits[6:].strip("0"):
        raise t.position.unsupported(
            f"the literal {text} (finer than the microsecond the local engine keeps)", node
        )
    assert isinstance(analyzed.value, datetime)
    micro = int(digits[:6].ljust(6, "0"))
    if analyzed.value.microsecond // 1000 != micro // 1000:
        return analyzed  # not the plain form read here
    return literals.timestamp(analyzed.value.replace(microsecond=micro))


def json_value(t: Translator, node: Node) -> Any:
    """The Python value of a literal inside `dynamic(...)`."""
    if node.kind == "JsonArrayExpression":
        return [json_value(t, item) for item in node.elements("Values")]
    if node.kind == "JsonObjectExpression":
        result: dict[str, Any] = {}
        for pair in node.elements("Pairs"):
            name, value = pair.get("Name"), pair.get("Value")
            if name is None or value is None:
                raise t.position.unsupported("this dynamic object", pair)
            result[name_text(name)] = json_value(t, value)
        return result
    if node.kind == "NullLiteralExpression":
        return None
    if node.kind == "DynamicExpression":
        inner = node.get("Expression")
        if inner is not None:
            # dynamic({...}) nested in a dynamic literal is the same value.
            return json_value(t, inner)
    if node.kind in (
        "StringLiteralExpression",
        "CompoundStringLiteralExpression",
        "LongLiteralExpression",
        "IntLiteralExpression",
        "RealLiteralExpression",
        "BooleanLiteralExpression",
    ):
        return literal(t, node).value
    if node.kind == "UnaryMinusExpression":
        inner = node.get("Expression")
        value = json_value(t, inner) if inner is not None else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value
    raise t.position.unsupported(f"the value {t.source(node)} inside dynamic()", node)
