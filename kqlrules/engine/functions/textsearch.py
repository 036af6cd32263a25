"""String work that SQL has no direct form for: `indexof()`, `indexof_regex()`, `countof()`, `reverse()`.
Pure Python; None is Kusto's null.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from kqlrules.engine.functions.support import Refusal


def _window(text: str, start: int, length: int) -> str | None:
    if start < 0 or length < -1:
        return None
    if start > len(text):
        return None
    return text[start:] if length == -1 else text[start : start + length]


def indexof(text: str, lookup: str, start: int, length: int, occurrence: int) -> int | None:
    """A negative start counts from the end; each occurrence is sought in `length` characters from just
    after the previous one (the reference: indexof("abcdefgabcdefg", "cde", 1, 10, 2) is 9)."""
    if occurrence < 0 or length < -1:
        return None
    if start < 0:
        start = max(len(text) + start, 0)
    if start > len(text) or occurrence == 0:
        return -1
    position, search_from = -1, start
    for _ in range(occurrence):
        end = len(text) if length == -1 else search_from + length
        position = text.find(lookup, search_from, end)
        if position < 0:
            return -1
        search_from = position + 1
    return position


def indexof_regex(text: str, pattern: str, start: int, length: int, occurrence: int) -> int | None:
    window = _window(text, start, length)
    if window is None or occurrence <= 0:
        return None if window is None else -1
    for number, match in enumerate(re.finditer(pattern, window), start=1):
        if number == occurrence:
            return start + match.start()
    return -1


def regex_group(text: str, pattern: str, group: int) -> str | None:
    """A capture group of the first match, for groups past DuckDB's nine (None when there is no match)."""
    match = re.search(pattern, text)
    if match is None:
        return None
    return match.group(group) or ""


def regex_groups_all(text: str, pattern: str, groups: str) -> str | None:
    """Every match's chosen groups, as a JSON array of arrays (of strings, for one group)."""
    import json

    wanted = json.loads(groups)
    found: list[object] = [[m.group(g) or "" for g in wanted] for m in re.finditer(pattern, text)]
    if len(wanted) == 1:
        found = [item[0] for item in found]  # type: ignore[index]
    return json.dumps(found, ensure_ascii=False) if found else None


def replace_strings(text: str, lookups: str, rewrites: str) -> str | None:
    """All lookups replaced in one left-to-right pass: at each position the first lookup (in list order)
    that matches is replaced by its rewrite, and scanning resumes after it. A rewrite that is not a string
    leaves its match as it is (the reference's `dynamic([12345, 'was'])` example)."""
    import json

    needles, replacements = json.loads(lookups), json.loads(rewrites)
    if not isinstance(needles, list) or not isinstance(replacements, list):
        return None
    pairs = [
        (n, replacements[i] if i < len(replacements) else None)
        for i, n in enumerate(needles)
        if isinstance(n, str) and n
    ]
    out: list[str] = []
    position = 0
    while position < len(text):
        for needle, rewrite in pairs:
            if text.startswith(needle, position):
                out.append(rewrite if isinstance(rewrite, str) else needle)
                position += len(needle)
                break
        else:
            out.append(text[position])
            position += 1
    return "".join(out)


def _signed(value: int) -> int:
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def binary_shift_left(value: int, shift: int) -> int:
    return _signed(value << (shift % 64))


def binary_shift_right(value: int, shift: int) -> int:
    return value >> (shift % 64)


def countof(text: str, search: str) -> int:
    if not search:
        return 0
    count, position = 0, text.find(search)
    while position >= 0:
        count += 1
        position = text.find(search, position + 1)
    return count


def translate(search: str, replacement: str, text: str) -> str:
    """Each character of `search` becomes the one at its position in `replacement` (the last one when
    `replacement` is shorter), or is removed when `replacement` is empty."""
    if not replacement:
        return text.translate({ord(c): None for c in search})
    table: dict[int, str] = {}
    for i, char in enumerate(search):
        table.setdefault(ord(char), replacement[min(i, len(replacement) - 1)])
    return text.translate(table)


_REGEX_SPECIAL = {c: "\\" + c for c in "\\*+?|{[()^$.#"}
_REGEX_SPECIAL.update({" ": "\\ ", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"})


def regex_quote(text: str) -> str:
    """Like .NET's Regex.Escape."""
    return "".join(_REGEX_SPECIAL.get(c, c) for c in text)


def tohex(value: int, width: int, bits: int) -> str:
    """A negative value is its two's complement in the type's width (32 bits for an int, 64 for a long);
    widths above 16 count as 16."""
    digits = format(value & ((1 << bits) - 1) if value < 0 else value, "x")
    return digits.rjust(min(width, 16), "0")


_BYTE_UNITS = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"]


def format_bytes(size: float, precision: int, units: str) -> str | None:
    if units:
        if units not in _BYTE_UNITS:
            return None
        power = _BYTE_UNITS.index(units)
    else:
        power = 0
        while power < len(_BYTE_UNITS) - 1 and abs(size) >= 1024 ** (power + 1):
            power += 1
    scaled = size / 1024**power
    return f"{scaled:.{min(max(precision, 0), 15)}f} {_BYTE_UNITS[power]}"


_T, _L = "VARCHAR", "BIGINT"
def reverse(text: str) -> str:
    """reverse-function.md reverses "the order of the input string" and says no more. Character by
    character and grapheme by grapheme agree unless the text holds a combining mark, a character outside
    the Basic Multilingual Plane (two UTF-16 units in .NET) or a CR LF pair: those are refused (DuckDB's own
    reverse() keeps grapheme clusters whole)."""
    if "\r\n" in text or any(ord(c) > 0xFFFF or unicodedata.combining(c) for c in text):
        raise Refusal("reverse() of text holding a combining mark, a CR LF or a character beyond U+FFFF")
    return text[::-1]


PYTHON_FUNCTIONS: list[tuple[str, Callable[..., Any], list[str], str]] = [
    ("kql_reverse", reverse, [_T], _T),
    ("kql_indexof", indexof, [_T, _T, _L, _L, _L], _L),
    ("kql_indexof_regex", indexof_regex, [_T, _T, _L, _L, _L], _L),
    ("kql_countof", countof, [_T, _T], _L),
    ("kql_binary_shift_left", binary_shift_left, [_L, _L], _L),
    ("kql_binary_shift_right", binary_shift_right, [_L, _L], _L),
    ("kql_replace_strings", replace_strings, [_T, _T, _T], _T),
    ("kql_regex_group", regex_group, [_T, _T, _L], _T),
    ("kql_regex_groups_all", regex_groups_all, [_T, _T, _T], _T),
    ("kql_translate", translate, [_T, _T, _T], _T),
    ("kql_regex_quote", regex_quote, [_T], _T),
    ("kql_tohex", tohex, [_L, _L, _L], _T),
    ("kql_format_bytes", format_bytes, ["DOUBLE", _L, _T], _T),
]
