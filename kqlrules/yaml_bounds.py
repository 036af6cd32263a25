"""Limits on a YAML document's shape, checked on its event stream before anything is built from it.

YAML lets a small file describe a huge or very deep value: aliases that refer to aliases grow
exponentially when the document is turned into Python objects ("billion laughs"), and thousands of nested
`[` or mappings make the recursive composer raise `RecursionError`. The event stream is produced without
recursion and without expanding aliases, so checking it first costs little and bounds both. No detection,
test file or Sentinel rule needs anything near these limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

MAX_DEPTH = 64
# Nodes the document holds once every alias is replaced by a copy of what it names (as `plain()` and
# pydantic do); the largest Sentinel rule of the reference corpus has a few hundred.
MAX_EXPANDED_NODES = 100_000


@dataclass(frozen=True)
class YamlShapeProblem:
    """Why a document is refused, and where (1-based line and column)."""

    message: str
    line: int
    col: int


def shape_problem(text: str) -> YamlShapeProblem | None:
    """The first limit `text` breaks, or None. Syntax errors are left to the real load, which reports them
    with its own positions."""
    sizes: list[int] = []  # expanded node count of each open collection, outermost first
    anchors: list[str | None] = []
    anchored: dict[str, int] = {}  # anchor name -> expanded size of the node it marks
    total = 0
    try:
        for event in YAML(typ="safe", pure=True).parse(text):
            size: int | None = None
            if isinstance(event, CollectionStartEvent):
                if len(sizes) >= MAX_DEPTH:
                    return _at(event, f"nesting deeper than {MAX_DEPTH} levels")
                sizes.append(1)
                anchors.append(event.anchor)
                continue
            if isinstance(event, CollectionEndEvent):
                size = sizes.pop()
                anchor = anchors.pop()
                if anchor:
                    anchored[anchor] = size
            elif isinstance(event, ScalarEvent):
                size = 1
                if event.anchor:
                    anchored[event.anchor] = 1
            elif isinstance(event, AliasEvent):
                size = anchored.get(event.anchor or "", 1)
                total += size
                if total > MAX_EXPANDED_NODES:
                    return _at(event, f"aliases expand it to more than {MAX_EXPANDED_NODES:,} values")
            if size is not None and sizes:
                sizes[-1] += size
    except YAMLError:
        return None
    return None


def bounded(text: str, refuse: Callable[[str, int, int], Exception]) -> str:
    """`text` itself when it keeps to the limits; else `refuse(message, line, col)` is raised. Every
    reader of a YAML file a user gives calls this before loading it."""
    problem = shape_problem(text)
    if problem is not None:
        raise refuse(problem.message, problem.line, problem.col)
    return text


def _at(event: object, what: str) -> YamlShapeProblem:
    mark = getattr(event, "start_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    return YamlShapeProblem(f"the document is too complex to read safely: {what}", line, col)
