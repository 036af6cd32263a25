"""Offsets of a query's text -> 1-based line and column, as findings report them."""

from __future__ import annotations

import pytest

from kqlrules.kusto import LineIndex


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        ("", 0, (1, 1)),
        ("T | take 1", 4, (1, 5)),
        ("T\n| take 1", 2, (2, 1)),
        ("T\n\n| take 1", 3, (3, 1)),
        ("T\r\n| where x\n", 3, (2, 1)),  # \r\n: the line starts after the \n
        ("a\nb", 1, (1, 2)),  # the newline itself ends its line
    ],
)
def test_positions(text: str, offset: int, expected: tuple[int, int]) -> None:
    assert LineIndex(text).position(offset) == expected


def test_line_starts_are_every_offset_after_a_newline() -> None:
    text = "let a = 1;\n\nT\n| where b\n"
    assert LineIndex(text).starts == [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
