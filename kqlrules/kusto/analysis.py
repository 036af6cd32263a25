"""What the analyzer says about one query: diagnostics, the output schema, what it reads, its typed tree."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from kqlrules.table import Column


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "Error" | "Warning" | "Suggestion" | "Information"
    code: str
    message: str
    start: int
    length: int
    line: int
    col: int
    category: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "Error"


@dataclass
class Analysis:
    text: str
    diagnostics: list[Diagnostic]
    result_columns: list[Column] | None
    result_type: str | None
    tables: list[str]
    functions: list[str]
    tree: dict[str, Any] | None = None
    _line_starts: list[int] = field(default_factory=list, repr=False)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def syntax_errors(self) -> list[Diagnostic]:
        # Kusto's syntax diagnostics are KS0xx codes below 100; binding/semantic ones are KS1xx-KS2xx.
        return [d for d in self.errors if d.code.startswith("KS0")]


class LineIndex:
    """Offsets into text -> 1-based line and column."""

    def __init__(self, text: str) -> None:
        # str.find jumps from newline to newline in C: lint builds one index per query.
        self.starts = [0]
        at = text.find("\n")
        while at != -1:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1
