"""Literal nodes of the analyzer's tree as SQL constants.

Every scalar literal is read from the query's text (`kqlrules.engine.literal_grammar`, the documented forms
only) and checked against the value the analyzer exports. The analyzer exports some forms lossily (`0xf`,
`real(nan)`, clock timespans as their type's zero; datetimes to the millisecond): where its value is that
zero, the text's reading stands; where the two readings differ otherwise, or the text is not a documented
form, or the engine cannot hold the value, the literal is refused.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kqlrules.datetimes import unix_ticks, with_tick
from kqlrules.engine import literal_grammar, literals
from kqlrules.engine.errors import DATETIME_OUTSIDE_ENGINE
from kqlrules.engine.literals import from_analyzer
from kqlrules.engine.names import name_text
from kqlrules.engine.sql import Sql, quote_string
from kqlrules.engine.types import MAX_UNIX_TICKS, MIN_UNIX_TICKS, normalise_type
from kqlrules.kusto import Node

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

_UNREAD_DATETIME = datetime(1, 1, 1)
_MIN_DATETIME_TEXT = re.compile(r"\(\s*0*1-0?1-0?1\b")
_DATETIME_FRACTION = re.compile(r"\d:\d\d:\d\d\.(\d+)")


def literal(t: Translator, node: Node) -> Sql:
    if node.kind == "DynamicExpression":
        inner = node.get("Expression")
        if inner is None:
            raise t.position.unsupported(f"the literal {t.source(node)}", node)
        return literals.dynamic(json_value(t, inner))
    text = t.source(node)
    kusto = normalise_type(node.type)
    try:
        analyzed = from_analyzer(node.kind, node.value, kusto)
    except (ValueError, TypeError):
        raise t.position.unsupported(f"the literal {text}", node) from None
    if node.kind == "DateTimeLiteralExpression":
        if analyzed.value is None:
            return _checked_null(t, node, text, analyzed)
        if analyzed.value == _UNREAD_DATETIME and not _MIN_DATETIME_TEXT.search(text):
            # The analyzer's value for a literal it could not read (`datetime(2017 - 08 - 01)`).
            raise t.position.unsupported(f"the literal {text}", node)
        return _precise_datetime(t, node, analyzed)
    try:
        reading = literal_grammar.read(node.kind, text)
    except literal_grammar.Unreadable as error:
        raise t.position.unsupported(f"the literal {text} ({error})", node) from None
    if not _agrees(analyzed.value, reading.value) and not _lossy(analyzed.value, reading.value):
        raise t.position.unsupported(
            f"the literal {text} (the analyzer reads {analyzed.value!r}, its text {reading.value!r})",
            node,
        )
    return _constant(node.kind, kusto, reading.value)


def _checked_null(t: Translator, node: Node, text: str, analyzed: Sql) -> Sql:
    inner = text.partition("(")[2].rpartition(")")[0].strip()
    if inner != "null":
        raise t.position.unsupported(f"the literal {text}", node)
    return analyzed


def _agrees(analyzed: Any, read: Any) -> bool:
    if isinstance(read, float) and isinstance(analyzed, int | float) and not isinstance(analyzed, bool):
        return read == analyzed or (math.isnan(read) and math.isnan(analyzed))
    if isinstance(read, Decimal) and isinstance(analyzed, int | float):
        return float(read) == analyzed
    if isinstance(read, bool) or isinstance(analyzed, bool):
        return read is analyzed
    return bool(read == analyzed)


def _lossy(analyzed: Any, read: Any) -> bool:
    """Whether the analyzer exported its type's zero for a literal it did not read (`0xf`, `real(nan)`,
    `time(1.02:03:04)`): the text's reading then stands."""
    return read is not None and analyzed in (0, 0.0) and not isinstance(analyzed, bool)


def _constant(kind: str, kusto: str, value: Any) -> Sql:
    if value is None:
        return literals.null_of("string" if kind == "StringLiteralExpression" else kusto)
    if kind in ("StringLiteralExpression", "CompoundStringLiteralExpression"):
        return literals.string(value)
    if kind in ("LongLiteralExpression", "IntLiteralExpression"):
        return literals.long(value, "int" if kusto == "int" else "long")
    if kind == "RealLiteralExpression":
        return literals.real(value)
    if kind == "DecimalLiteralExpression":
        number = float(value)
        return Sql(literals.real(number).text, "decimal", True, number)
    if kind == "BooleanLiteralExpression":
        return literals.boolean(value)
    if kind == "TimespanLiteralExpression":
        return literals.ticks(value)
    if kind == "GuidLiteralExpression":
        return Sql(quote_string(value), "guid", True, value)
    raise ValueError(kind)


def _precise_datetime(t: Translator, node: Node, analyzed: Sql) -> Sql:
    """The analyzer exports datetimes to the millisecond: read the fraction from the literal's text, to
    Kusto's 100-ns tick (scalar-data-types/datetime.md: seven fraction digits); a finer fraction, or an
    instant outside the span the engine holds (kqlrules.engine.types), is refused."""
    text = t.source(node)
    assert isinstance(analyzed.value, datetime)
    fraction = _DATETIME_FRACTION.search(text)
    value = analyzed.value
    if fraction is not None:
        digits = fraction.group(1)
        if digits[7:].strip("0"):
            raise t.position.unsupported(f"the literal {text} (finer than Kusto's 100-ns tick)", node)
        padded = digits[:7].ljust(7, "0")
        micro = int(padded[:6])
        if analyzed.value.microsecond // 1000 != micro // 1000:
            return analyzed  # not the plain form read here
        value = with_tick(analyzed.value.replace(microsecond=micro), int(padded[6]))
    if not MIN_UNIX_TICKS <= unix_ticks(value) <= MAX_UNIX_TICKS:
        raise t.position.unsupported(f"the literal {text}: {DATETIME_OUTSIDE_ENGINE}", node)
    return literals.timestamp(value)


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
