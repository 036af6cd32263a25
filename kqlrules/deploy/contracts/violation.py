"""A broken contract rule: what, where in the detection's YAML, how to fix it, and the rule's source."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

Keys = tuple[str | int, ...]


@dataclass(frozen=True)
class ContractViolation:
    """One rule of a target's contract that a detection breaks.

    `keys` name the metadata key it is about (`("alert", "title")`; `("query",)` for the query), so the CLI
    can point at `file:line:col`. A `warning` does not stop a deploy (a rule of Azure-Sentinel's repository
    CI that the service itself does not enforce, reported on export).
    """

    target: str
    rule: str
    message: str
    keys: Keys = ()
    hint: str = ""
    warning: bool = False


@dataclass(frozen=True)
class QueryFacts:
    """What the analyzer knows about a rendered query; None where it could not tell."""

    columns: frozenset[str] | None = None
    syntax_errors: tuple[str, ...] = ()
    # Query operators and functions the query uses (lower case), for rules such as Monitor's 1-minute one.
    operators: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()

    def knows(self, column: str) -> bool:
        return self.columns is None or column in self.columns

    def missing(self, columns: Collection[str]) -> list[str]:
        return [c for c in columns if not self.knows(c)]
