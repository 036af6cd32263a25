"""Limits on a YAML document's shape, checked on its event stream before anything is built from it.

YAML lets a small file describe a huge or very deep value: aliases that refer to aliases grow
exponentially when the document is turned into Python objects ("billion laughs"), and thousands of nested
`[` or mappings make the recursive composer raise `RecursionError`. The event stream is produced without
recursion and without expanding aliases, so checking it first costs little and bounds both. No detection,
test file or Sentinel rule needs anything near these limits.

The events come from libyaml (PyYAML's C parser, 40x faster than a pure-Python parser: the check runs on
every file lint reads) when it is installed and reads the document; a document it refuses (YAML 1.2 that
libyaml's 1.1 grammar does not take, or nesting past libyaml's own limit) is checked again on ruamel's
pure-Python events, so the verdict never depends on which parser read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml import events as libyaml_events

_CLoader: Any = getattr(yaml, "CSafeLoader", None)

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
    if _CLoader is not None:
        try:
            return _first_problem(yaml.parse(text, Loader=_CLoader), libyaml_events)
        except yaml.YAMLError:
            pass  # not libyaml's grammar: ruamel decides
    # Imported only here: libyaml reads nearly every file, and ruamel costs a start-up of its own.
    from ruamel.yaml import YAML
    from ruamel.yaml import events as ruamel_events
    from ruamel.yaml.error import YAMLError

    try:
        return _first_problem(YAML(typ="safe", pure=True).parse(text), ruamel_events)
    except YAMLError:
        return None


def _first_problem(stream: Iterable[Any], kinds: Any) -> YamlShapeProblem | None:
    """The limits over one parser's event stream; `kinds` is that parser's `events` module (PyYAML and
    ruamel name their event classes alike)."""
    sizes: list[int] = []  # expanded node count of each open collection, outermost first
    anchors: list[str | None] = []
    anchored: dict[str, int] = {}  # anchor name -> expanded size of the node it marks
    total = 0
    for event in stream:
        size: int | None = None
        if isinstance(event, kinds.CollectionStartEvent):
            if len(sizes) >= MAX_DEPTH:
                return _at(event, f"nesting deeper than {MAX_DEPTH} levels")
            sizes.append(1)
            anchors.append(event.anchor)
            continue
        if isinstance(event, kinds.CollectionEndEvent):
            size = sizes.pop()
            anchor = anchors.pop()
            if anchor:
                anchored[anchor] = size
        elif isinstance(event, kinds.ScalarEvent):
            size = 1
            if event.anchor:
                anchored[event.anchor] = 1
        elif isinstance(event, kinds.AliasEvent):
            size = anchored.get(event.anchor or "", 1)
            total += size
            if total > MAX_EXPANDED_NODES:
                return _at(event, f"aliases expand it to more than {MAX_EXPANDED_NODES:,} values")
        if size is not None and sizes:
            sizes[-1] += size
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
