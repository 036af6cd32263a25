"""What lint reports: findings with a code, a severity and the place in the user's file."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kqlrules.errors import Location


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    note = "note"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "note": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """One problem: `code` is ours (KQR001), the analyzer's (KS142) or KQR000 for invalid input."""

    code: str
    severity: Severity
    message: str
    location: Location
    # Where the flagged text ends, when it ends on the same line (for the caret and SARIF's region).
    end_col: int | None = None
    source: str = "kqlrules"  # "kqlrules" | "analyzer"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.col, self.code)

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.value} {self.code}: {self.message}"


def counts(findings: list[Finding]) -> dict[str, int]:
    return {severity.value: sum(1 for f in findings if f.severity is severity) for severity in Severity}
