"""`union isfuzzy=true` legs over tables that do not exist, left out of the query text.

The reference (learn.microsoft.com/kusto/query/union-operator, isfuzzy): "the set of union sources is reduced
to the set of table references that exist and are accessible at the time while analyzing the query and
preparing for execution. If at least one such table was found, any resolution failure will yield a warning
in the query status results ... but won't prevent the query execution. If no resolutions were successful,
the query will return an error." and "isfuzzy=true only applies to the union sources resolution phase. Once
the set of source tables is determined, possible additional query failures won't be suppressed."

Microsoft's analyzer warns about such a table (KS205) and then leaves the union's columns open, so a later
reference to a column only the absent leg would give passes it. Leaving the leg out of the text (blanked
with spaces, so every position stays) gives the analyzer, and everything after it, the union Kusto runs: the
legs that exist, their columns only.
"""

from __future__ import annotations

from kqlrules.kusto.analysis import Analysis
from kqlrules.kusto.tree import Node, named_parameters

# The analyzer's "The fuzzy name '...' does not refer to any known or currently accessible table."
FUZZY_NAME_NOT_FOUND = "KS205"


class NoLegExists(Exception):
    """Every leg of a `union isfuzzy=true` reads a table that does not exist: Kusto fails the query."""

    def __init__(self, tables: tuple[str, ...], start: int) -> None:
        super().__init__(f"union isfuzzy=true: none of its tables exists ({', '.join(tables)})")
        self.tables = tables
        self.start = start


def without_absent_legs(analysis: Analysis) -> str | None:
    """The query's text without the legs of fuzzy unions over absent tables; None when it has none. Raises
    `NoLegExists` for a union none of whose legs exists."""
    absent = {d.start for d in analysis.diagnostics if d.code == FUZZY_NAME_NOT_FOUND}
    if not absent or analysis.tree is None:
        return None
    text = analysis.text
    if not _offsets_are_indexes(text):
        return None
    edits: list[tuple[int, int]] = []
    for union in Node.build(analysis.tree).find("UnionOperator"):
        if not _is_fuzzy(union, text):
            continue
        legs = [e for e in (union.get("Expressions") or union).children if e.kind == "SeparatedElement"]
        missing = [leg for leg in legs if _source_start(leg) in absent]
        if not missing:
            continue
        kept = [leg for leg in legs if leg not in missing]
        if not kept:
            edits.append(_whole_operator(union, missing, text))
            continue
        edits += [(leg.start, leg.end) for leg in missing]
        last = kept[-1]
        comma = next((c for c in last.children if c.kind == "CommaToken"), None)
        if comma is not None and last is not legs[-1]:
            edits.append((comma.start, comma.end))
    if not edits:
        return None
    chars = list(text)
    for start, end in edits:
        for at in range(start, end):
            if chars[at] not in "\r\n":
                chars[at] = " "
    return "".join(chars)


def fuzzy_leg_tables(analysis: Analysis) -> set[str]:
    """The tables read only as legs of `union isfuzzy=true`: the query runs without any one of them (while
    one leg of its union exists), so a table with no data there does not blind the query by itself. A name
    also referred to outside those legs is not one of them."""
    text = analysis.text
    if analysis.tree is None or "isfuzzy" not in text.lower() or not _offsets_are_indexes(text):
        return set()
    root = Node.build(analysis.tree)
    legs: list[Node] = []
    for union in root.find("UnionOperator"):
        if _is_fuzzy(union, text):
            elements = union.get("Expressions") or union
            legs += [
                e for e in elements.children if e.kind == "SeparatedElement" and _source_start(e) is not None
            ]
    names = {_leg_name(leg, text).strip() for leg in legs}
    spans = [(leg.start, leg.end) for leg in legs]
    elsewhere = {
        text[n.start : n.end].strip()
        for n in root.walk()
        if n.kind == "NameReference" and not any(start <= n.start < end for start, end in spans)
    }
    return names - elsewhere


def _is_fuzzy(union: Node, text: str) -> bool:
    parameter = named_parameters(union).get("isfuzzy")
    value = parameter.get("Expression") if parameter is not None else None
    return value is not None and text[value.start : value.end].strip().lower() == "true"


def _source_start(leg: Node) -> int | None:
    """Where the table name the leg reads starts: the leg itself, or the source of its parenthesized query."""
    node: Node | None = next((c for c in leg.children if not c.is_token), None)
    while node is not None and node.kind in ("ParenthesizedExpression", "PipeExpression"):
        node = node.get("Expression")
    return node.start if node is not None and node.kind == "NameReference" else None


def _whole_operator(union: Node, missing: list[Node], text: str) -> tuple[int, int]:
    """A piped union (`T | union isfuzzy=true Absent`) with no leg left is no union at all: blank it with its
    bar. A union without input and no leg left fails."""
    parent = union.parent
    bar = parent.get("Bar") if parent is not None and parent.kind == "PipeExpression" else None
    if bar is None or union.field != "Operator":
        raise NoLegExists(tuple(_leg_name(leg, text) for leg in missing), union.start)
    return bar.start, union.end


def _leg_name(leg: Node, text: str) -> str:
    start = _source_start(leg)
    node = next((n for n in leg.walk() if n.kind == "NameReference" and n.start == start), None)
    return text[node.start : node.end] if node is not None else text[leg.start : leg.end]


def _offsets_are_indexes(text: str) -> bool:
    """The analyzer's offsets count UTF-16 code units: they index the str only without astral characters."""
    return all(ord(c) < 0x10000 for c in text)
