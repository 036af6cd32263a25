"""Kusto's JSONPath subset (jsonpath.md): `$` the root, `.name` or `['name']` a child, `[n]` a subscript.

The page says "Wildcards, recursion, union, slices and current object are not supported": such a path is
rejected here (`ValueError`) rather than read by a fuller JSONPath implementation. A negative subscript is not
documented either, and is rejected the same way.
"""

from __future__ import annotations

import re

Step = str | int

_NAME = re.compile(r"\.([^.\[\]*@]+)")
_QUOTED = re.compile(r"\[(['\"])(.*?)\1\]")
_INDEX = re.compile(r"\[([0-9]+)\]")


def parse(path: str) -> list[Step]:
    """The steps of `path` (`$.a['b c'][0]` is `["a", "b c", 0]`); `ValueError` outside the subset."""
    if not path.startswith("$"):
        raise ValueError(path)
    steps: list[Step] = []
    at = 1
    while at < len(path):
        name = _NAME.match(path, at)
        quoted = _QUOTED.match(path, at)
        index = _INDEX.match(path, at)
        if name:
            steps.append(name.group(1))
            at = name.end()
        elif quoted:
            steps.append(quoted.group(2))
            at = quoted.end()
        elif index:
            steps.append(int(index.group(1)))
            at = index.end()
        else:
            raise ValueError(path)
    return steps


def duckdb_path(steps: list[Step]) -> str:
    """The same path in DuckDB's JSON path syntax (every name quoted, so dots and brackets stay literal)."""
    parts = ["$"]
    for step in steps:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            escaped = step.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'."{escaped}"')
    return "".join(parts)
