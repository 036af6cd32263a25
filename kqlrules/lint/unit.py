"""What lint checks: one query's text with the way back to the user's file, plus what its metadata
promises about the query (period, the columns entity mappings and alert placeholders name).

Every kind of input (a detection, a plain `.kql` file, a Sentinel rule YAML) becomes a `LintUnit`; the
rules and the runner never know which kind they are looking at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from kqlrules.errors import Location
from kqlrules.lint.findings import Finding

# Rendered (1-based line, col) -> the place in the user's file.
Origin = Callable[[int, int], Location]


@dataclass(frozen=True)
class ColumnUse:
    """Metadata that names a column of the query's output (entity mapping, custom detail, placeholder)."""

    column: str
    what: str  # "entity Account.FullName", "custom detail RiskLevel", "alert title placeholder"
    location: Location


@dataclass
class LintUnit:
    path: str  # the file shown as the unit's name (detection YAML, .kql, Sentinel YAML)
    text: str | None  # None: the unit could not produce a query (its problems say why)
    origin: Origin
    period: timedelta | None = None
    column_uses: list[ColumnUse] = field(default_factory=list)
    disabled: frozenset[str] = frozenset()
    problems: list[Finding] = field(default_factory=list)
    # Where a whole-query finding is reported (the query's first character in the user's file).
    anchor: Location | None = None
    # The metadata's `tables:` and where it is written; None when the detection declares none.
    declared_tables: tuple[str, ...] | None = None
    tables_location: Location | None = None


def identity_origin(path: str) -> Origin:
    return lambda line, col: Location(path, line, col)


def block_origin(path: str, first_line: int, indent: int) -> Origin:
    """A query held in a YAML block scalar: its line 1 is the file's `first_line`, indented by `indent`."""
    return lambda line, col: Location(path, first_line + line - 1, indent + col)
