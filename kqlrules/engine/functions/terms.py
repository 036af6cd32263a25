"""Kusto's term matching (`has`, `hasprefix`, `hassuffix`, `has_any`, `has_all`) as RE2 patterns.

A term is a maximal run of ASCII letters and digits. `has x` needs no letter or digit glued to `x` on
either side; `hasprefix` only on its left, `hassuffix` only on its right. An edge of the needle that is not
a letter or digit needs no boundary there (`has "-b"` matches `a-b`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.support import Refusal

_ALNUM = "0-9A-Za-z"


_SPECIAL = frozenset("\\.^$|?*+()[]{}-/")


def escape(text: str) -> str:
    """Literal text as a pattern that RE2 and Python's `re` both read the same way."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def _is_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def pattern(needle: str, mode: str = "term", case_sensitive: bool = False) -> str:
    """The RE2 (and Python `re`) pattern for `has`-like matching of `needle`; mode: term, prefix or suffix."""
    if not needle:
        return "(?s)"
    body = escape(needle)
    left = f"(?:^|[^{_ALNUM}])" if mode in ("term", "prefix") and _is_alnum(needle[0]) else ""
    right = f"(?:$|[^{_ALNUM}])" if mode in ("term", "suffix") and _is_alnum(needle[-1]) else ""
    flags = "(?s)" if case_sensitive else "(?is)"
    return f"{flags}{left}{body}{right}"


def has(text: str, needle: str, mode: str, case_sensitive: bool) -> bool:
    return re.search(pattern(needle, mode, case_sensitive), text) is not None


def _needles(array: str) -> list[str]:
    value = json.loads(array)
    values = value if isinstance(value, list) else [value]
    return [v if isinstance(v, str) else json.dumps(v) for v in values if v is not None]


def has_any(text: str, array: str) -> bool:
    return any(has(text, n, "term", False) for n in _needles(array))


def has_all(text: str, array: str) -> bool:
    return all(has(text, n, "term", False) for n in _needles(array))


def _lookup_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise Refusal(
                "has_any_index() of a fractional number: how Kusto prints it to match is not documented"
            )
        return str(int(value))
    return json.dumps(value)


def has_any_index(text: str, array: str) -> int:
    """The position of the first item of `array` that `text` has (as a term), or -1."""
    value = json.loads(array)
    values = value if isinstance(value, list) else [value]
    for index, item in enumerate(values):
        if item is not None and has(text, _lookup_text(item), "term", False):
            return index
    return -1


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_has_any_index", has_any_index, ["VARCHAR", "VARCHAR"], "BIGINT"),
    ("kql_has", has, ["VARCHAR", "VARCHAR", "VARCHAR", "BOOLEAN"], "BOOLEAN"),
    ("kql_has_any", has_any, ["VARCHAR", "VARCHAR"], "BOOLEAN"),
    ("kql_has_all", has_all, ["VARCHAR", "VARCHAR"], "BOOLEAN"),
]
