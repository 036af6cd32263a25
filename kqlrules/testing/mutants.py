"""Mutants of a detection's KQL, made from the analyzer's typed syntax tree (never by pattern-matching text).

Each mutant is one small edit a careless change could make: flip a comparison (`==` -> `!=`, `>` -> `<=`,
`has` -> `!has`), drop a `where`, shift a numeric threshold by one (`> 10` -> `> 9`, `> 11`), widen `has`
to `contains`, or remove one term from an `in (...)` list. A good set of cases makes at least one case
fail on every mutant; a mutant no case kills marks a condition the tests do not pin down.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kqlrules.errors import Location
from kqlrules.kusto import LineIndex

Node = dict[str, Any]

FLIPS = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    ">=": "<",
    ">": "<=",
    "<=": ">",
    "=~": "!~",
    "!~": "=~",
    "has": "!has",
    "!has": "has",
    "has_cs": "!has_cs",
    "!has_cs": "has_cs",
    "contains": "!contains",
    "!contains": "contains",
    "contains_cs": "!contains_cs",
    "!contains_cs": "contains_cs",
    "startswith": "!startswith",
    "!startswith": "startswith",
    "endswith": "!endswith",
    "!endswith": "endswith",
    "in": "!in",
    "!in": "in",
    "in~": "!in~",
    "!in~": "in~",
}
WIDENINGS = {"has": "contains", "has_cs": "contains_cs", "hasprefix": "startswith", "hassuffix": "endswith"}
ORDERINGS = ("<", "<=", ">", ">=")
IN_OPERATORS = ("in", "!in", "in~", "!in~")
NUMBER_LITERALS = ("LongLiteralExpression", "IntLiteralExpression", "RealLiteralExpression")
KINDS = ("flip", "drop-where", "threshold", "widen", "in-term")


@dataclass(frozen=True)
class Mutant:
    kind: str  # one of KINDS
    start: int  # offsets into the query text (Python string indices)
    end: int
    replacement: str
    description: str
    shown_at: int = -1  # where to point the user; the edit's start unless said otherwise

    @property
    def position(self) -> int:
        return self.start if self.shown_at < 0 else self.shown_at

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]


def mutants(text: str, tree: Node) -> list[Mutant]:
    """Every simple mutant of `text`, given its typed tree from `Analyzer.analyze(..., tree=True)`."""
    offsets = _Offsets(text)
    found: dict[str, Mutant] = {}
    for mutant in _walk(tree, None, text, offsets):
        mutated = mutant.apply(text)
        if mutated != text:
            found.setdefault(mutated, mutant)
    return sorted(found.values(), key=lambda m: (m.start, m.kind, m.replacement))


def location_of(mutant: Mutant, text: str, line_map: Any | None, default_path: str) -> Location:
    """Where a mutant's edit is, in the template (through the line map) when there is one."""
    line, col = LineIndex(text).position(mutant.position)
    if line_map is not None:
        mapped: Location = line_map.to_template(line, col)
        return mapped
    return Location(default_path, line, col)


class _Offsets:
    """The analyzer counts UTF-16 code units; Python strings count code points."""

    def __init__(self, text: str) -> None:
        self.identity = text.isascii()
        if not self.identity:
            self.table: list[int] = []
            for index, char in enumerate(text):
                self.table.extend([index] * (2 if ord(char) > 0xFFFF else 1))
            self.table.append(len(text))

    def __call__(self, offset: int) -> int:
        return offset if self.identity else self.table[min(offset, len(self.table) - 1)]


def _children(node: Node) -> list[Node]:
    children: list[Node] = node.get("c", [])
    return children


def _child(node: Node, field: str) -> Node | None:
    return next((c for c in _children(node) if c.get("f") == field), None)


def _walk(node: Node, parent: Node | None, text: str, at: _Offsets) -> Iterator[Mutant]:
    yield from _operator_mutants(node, text, at)
    if node.get("k") == "FilterOperator" and parent is not None:
        yield from _drop_where(node, parent, text, at)
    for child in _children(node):
        yield from _walk(child, node, text, at)


def _operator_mutants(node: Node, text: str, at: _Offsets) -> Iterator[Mutant]:
    operator = _child(node, "Operator")
    if operator is None or "tok" not in operator or node.get("ty") != "bool":
        return
    token = str(operator["tok"])
    start, end = at(operator["s"]), at(operator["e"])
    condition = text[at(node["s"]) : at(node["e"])]
    if token in FLIPS:
        yield Mutant("flip", start, end, FLIPS[token], f"flip `{token}` to `{FLIPS[token]}` in `{condition}`")
    if token in WIDENINGS:
        wider = WIDENINGS[token]
        yield Mutant("widen", start, end, wider, f"widen `{token}` to `{wider}` in `{condition}`")
    if token in ORDERINGS:
        yield from _thresholds(node, text, at, condition)
    if token in IN_OPERATORS:
        yield from _in_terms(node, text, at, condition)


def _thresholds(node: Node, text: str, at: _Offsets, condition: str) -> Iterator[Mutant]:
    for side in ("Left", "Right"):
        literal = _child(node, side)
        if literal is None or literal.get("k") not in NUMBER_LITERALS:
            continue
        start, end = at(literal["s"]), at(literal["e"])
        written = text[start:end]
        try:
            value: int | float = float(written) if literal["k"] == "RealLiteralExpression" else int(written)
        except ValueError:
            continue  # a literal such as 1e3 or 0x10 stays as written
        for shifted in (value - 1, value + 1):
            replacement = str(shifted)
            yield Mutant(
                "threshold", start, end, replacement, f"shift `{written}` to `{replacement}` in `{condition}`"
            )


def _in_terms(node: Node, text: str, at: _Offsets, condition: str) -> Iterator[Mutant]:
    terms = _list_terms(_child(node, "Right"))
    if len(terms) < 2:
        return
    spans = [(at(term["s"]), at(term["e"])) for term in terms]
    start, end = spans[0][0], spans[-1][1]
    for index, (term_start, term_end) in enumerate(spans):
        kept = ", ".join(text[s:e] for i, (s, e) in enumerate(spans) if i != index)
        yield Mutant(
            "in-term",
            start,
            end,
            kept,
            f"remove `{text[term_start:term_end]}` from the list in `{_short(condition)}`",
        )


def _list_terms(listing: Node | None) -> list[Node]:
    """The terms of `(a, b)`, or of `(dynamic(["a", "b"]))` as a rendered list parameter writes it."""
    expressions = _child(listing, "Expressions") if listing else None
    terms = [_children(e)[0] for e in (_children(expressions) if expressions else []) if _children(e)]
    if len(terms) == 1 and terms[0].get("k") == "DynamicExpression":
        array = _child(terms[0], "Expression")
        values = _child(array, "Values") if array and array.get("k") == "JsonArrayExpression" else None
        terms = [_children(e)[0] for e in (_children(values) if values else []) if _children(e)]
    return terms


def _drop_where(node: Node, parent: Node, text: str, at: _Offsets) -> Iterator[Mutant]:
    if parent.get("k") != "PipeExpression":
        return
    bar = _child(parent, "Bar")
    if bar is None:
        return
    shown = _short(text[at(node["s"]) : at(node["e"])])
    source = _child(parent, "Expression")
    if node.get("f") == "Operator" and source is not None:
        # `T | where X | ...` -> `T | ...`
        yield Mutant("drop-where", at(source["e"]), at(node["e"]), "", f"drop `{shown}`", at(node["s"]))
    elif node.get("f") == "Expression":
        # A subquery that starts with `where X | ...` -> `...`
        end = at(bar["e"])
        while end < len(text) and text[end] in " \t":
            end += 1
        yield Mutant("drop-where", at(node["s"]), end, "", f"drop `{shown}`")


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# The name the package exports: `kqlrules.testing.mutants` is this module, so the function goes by another.
mutants_of = mutants
