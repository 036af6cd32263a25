"""Searches inside strings that SQL has no direct form for: `indexof()`, `indexof_regex()`, `countof()`.
Pure Python; None is Kusto's null.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


def _window(text: str, start: int, length: int) -> str | None:
    if start < 0 or length < -1:
        return None
    if start > len(text):
        return None
    return text[start:] if length == -1 else text[start : start + length]


def indexof(text: str, lookup: str, start: int, length: int, occurrence: int) -> int | None:
    window = _window(text, start, length)
    if window is None or occurrence <= 0:
        return None if window is None else -1
    position = -1
    for _ in range(occurrence):
        position = window.find(lookup, position + 1)
        if position < 0:
            return -1
    return start + position


def indexof_regex(text: str, pattern: str, start: int, length: int, occurrence: int) -> int | None:
    window = _window(text, start, length)
    if window is None or occurrence <= 0:
        return None if window is None else -1
    for number, match in enumerate(re.finditer(pattern, window), start=1):
        if number == occurrence:
            return start + match.start()
    return -1


def countof(text: str, search: str) -> int:
    if not search:
        return 0
    count, position = 0, text.find(search)
    while position >= 0:
        count += 1
        position = text.find(search, position + 1)
    return count


_T, _L = "VARCHAR", "BIGINT"
PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_indexof", indexof, [_T, _T, _L, _L, _L], _L),
    ("kql_indexof_regex", indexof_regex, [_T, _T, _L, _L, _L], _L),
    ("kql_countof", countof, [_T, _T], _L),
]
